import { randomUUID } from 'node:crypto';
import { createKafkaJsSink, ensureTopics, type RecordSink, type SinkMessage } from '@odin-ws/kafka';
import { createLogger } from '@odin-ws/observability';

const logger = createLogger({ level: 'error', base: { component: 'testkit' } });

/** Brokers the tests use: KAFKA_BROKERS, or the local broker of scripts/kafka.sh. */
export function kafkaBrokers(): string {
  return process.env['KAFKA_BROKERS'] ?? '127.0.0.1:9092';
}

/** A fresh topic per test, so tests never see each other's records. */
export async function createTestTopic(prefix: string, partitions = 3, brokers = kafkaBrokers()): Promise<string> {
  const topic = `test.${prefix}.${randomUUID().slice(0, 8)}`;
  await ensureTopics({ brokers: brokers.split(','), logger, topics: [{ topic, partitions }] });
  return topic;
}

const sinks = new Map<string, Promise<RecordSink>>();

/** Produces with kafkajs (one shared producer per broker list). */
export async function produce(topic: string, messages: SinkMessage[], brokers = kafkaBrokers()): Promise<void> {
  let sink = sinks.get(brokers);
  if (!sink) {
    sink = createKafkaJsSink({ brokers: brokers.split(','), clientId: 'odin-ws-test', logger });
    sinks.set(brokers, sink);
  }
  await (await sink).send(topic, messages);
}

export async function closeProducers(): Promise<void> {
  const all = [...sinks.values()];
  sinks.clear();
  await Promise.all(all.map(async (sink) => (await sink).close()));
}

/** A seed-format record value: `{"type":...,"timestamp":<ms>,"data":{...}}`. */
export function seedValue(data: Record<string, unknown>, type = 'TRADE_EXECUTED'): string {
  return JSON.stringify({ type, timestamp: Date.now(), data });
}
