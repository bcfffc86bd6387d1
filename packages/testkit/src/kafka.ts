import { randomUUID } from 'node:crypto';
import { kafkaConfigFrom, optionValuesFromEnvironment } from '@odin-ws/config';
import { addTopicPartitions, createKafkaJsSink, ensureTopics, type KafkaConnection, type RecordSink, type SinkMessage } from '@odin-ws/kafka';
import { createLogger } from '@odin-ws/observability';

const logger = createLogger({ level: 'error', base: { component: 'testkit' } });

/** Brokers the tests use: KAFKA_BROKERS, or the local broker of scripts/kafka.sh. */
export function kafkaBrokers(): string {
  return process.env['KAFKA_BROKERS'] ?? '127.0.0.1:9092';
}

/** A broker list (with the security the ODIN_KAFKA_* variables give), or a whole connection. */
export type KafkaTarget = string | KafkaConnection;

/** How tests and the bench reach Kafka: the brokers given, secured as the ODIN_KAFKA_* variables say. */
export function kafkaConnection(target: KafkaTarget = kafkaBrokers()): KafkaConnection {
  if (typeof target !== 'string') return target;
  return { ...kafkaConfigFrom(optionValuesFromEnvironment(process.env)), brokers: target.split(',') };
}

/** A fresh topic per test, so tests never see each other's records. */
export async function createTestTopic(prefix: string, partitions = 3, target: KafkaTarget = kafkaBrokers(), compacted = false): Promise<string> {
  const topic = `test.${prefix}.${randomUUID().slice(0, 8)}`;
  await ensureTopics({ connection: kafkaConnection(target), logger, topics: [{ topic, partitions, compacted }] });
  return topic;
}

/** Grows a live topic, as an operator would with kafka-topics --alter. */
export async function addPartitions(topic: string, partitions: number, target: KafkaTarget = kafkaBrokers()): Promise<void> {
  await addTopicPartitions({ connection: kafkaConnection(target), logger, topic, partitions });
}

const sinks = new Map<string, Promise<RecordSink>>();

/** Produces with kafkajs (one shared producer per broker list). */
export async function produce(topic: string, messages: SinkMessage[], target: KafkaTarget = kafkaBrokers()): Promise<void> {
  const connection = kafkaConnection(target);
  const key = connection.brokers.join(',');
  let sink = sinks.get(key);
  if (!sink) {
    // Tests grow topics: the producer follows new partitions within a second.
    sink = createKafkaJsSink({ connection, clientId: 'odin-ws-test', logger, metadataRefreshMs: 1000 });
    sinks.set(key, sink);
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
