import type { Logger } from '@odin-ws/observability';
import { Partitioners, type Producer } from 'kafkajs';
import { createKafkaJsClient, type KafkaConnection } from './kafkajs-client.js';

export interface SinkMessage {
  key: string | Buffer | null;
  value: string | Buffer | null;
  /** ms since the epoch; default: now. */
  timestamp?: number;
  /** The partition to write to; default: the key's (murmur2, as any Java producer picks). */
  partition?: number;
}

/** The producing side (demo feed, benchmarks, tests), behind the same kind of seam as RecordSource. */
export interface RecordSink {
  send(topic: string, messages: SinkMessage[]): Promise<void>;
  close(): Promise<void>;
}

/** Producers also re-read metadata often, so records spread over partitions added to a live topic within seconds. */
const DEFAULT_METADATA_REFRESH_MS = 5000;

export async function createKafkaJsSink(options: {
  connection: KafkaConnection;
  clientId: string;
  logger: Logger;
  metadataRefreshMs?: number;
}): Promise<RecordSink> {
  // The Java-compatible murmur2 partitioner: a key lands on the partition any Java producer would pick.
  const producer: Producer = createKafkaJsClient(options).producer({
    createPartitioner: Partitioners.DefaultPartitioner,
    allowAutoTopicCreation: false,
    metadataMaxAge: options.metadataRefreshMs ?? DEFAULT_METADATA_REFRESH_MS,
  });
  await producer.connect();
  return {
    async send(topic, messages) {
      await producer.send({
        topic,
        messages: messages.map((message) => ({
          key: message.key,
          value: message.value,
          ...(message.timestamp === undefined ? {} : { timestamp: String(message.timestamp) }),
          ...(message.partition === undefined ? {} : { partition: message.partition }),
        })),
      });
    },
    close: () => producer.disconnect(),
  };
}
