import type { Logger } from '@odin-ws/observability';
import { createKafkaJsClient, type KafkaConnection } from './kafkajs-client.js';

export interface TopicSpec {
  topic: string;
  partitions: number;
  /** cleanup.policy=compact: the broker keeps each key's latest record however old (state topics). */
  compacted?: boolean;
}

/** Grows a topic to `partitions` partitions (tests and operators' tooling: the shard never does this). */
export async function addTopicPartitions(options: { connection: KafkaConnection; logger: Logger; topic: string; partitions: number }): Promise<void> {
  const admin = createKafkaJsClient({ connection: options.connection, clientId: 'odin-ws-admin', logger: options.logger }).admin();
  await admin.connect();
  try {
    await admin.createPartitions({ topicPartitions: [{ topic: options.topic, count: options.partitions }] });
  } finally {
    await admin.disconnect();
  }
}

/** Creates the topics that do not exist yet and waits until each has a leader. */
export async function ensureTopics(options: { connection: KafkaConnection; logger: Logger; topics: TopicSpec[] }): Promise<void> {
  const admin = createKafkaJsClient({ connection: options.connection, clientId: 'odin-ws-admin', logger: options.logger }).admin();
  await admin.connect();
  try {
    // Only the missing ones: asking to create an existing topic makes kafkajs log an error-level
    // "Topic creation errors" line on every start, which reads like a fault to an operator.
    const existing = new Set(await admin.listTopics());
    const missing = options.topics.filter(({ topic }) => !existing.has(topic));
    if (missing.length === 0) return;
    await retryWhileRetriable(() =>
      admin.createTopics({
        waitForLeaders: true,
        topics: missing.map(({ topic, partitions, compacted }) => ({
          topic,
          numPartitions: partitions,
          replicationFactor: 1,
          ...(compacted ? { configEntries: [{ name: 'cleanup.policy', value: 'compact' }] } : {}),
        })),
      }),
    );
  } finally {
    await admin.disconnect();
  }
}

const CREATE_ATTEMPTS = 5;
const CREATE_RETRY_MS = 500;

/**
 * Hazard: right after a broker starts, waiting for the new topics' leaders can fail with a retriable
 * "This server does not host this topic-partition" while the controller settles (seen when a
 * benchmark started the local broker and created its topic at once). Retried a few times, briefly.
 */
async function retryWhileRetriable<T>(attempt: () => Promise<T>): Promise<T> {
  for (let tried = 1; ; tried++) {
    try {
      return await attempt();
    } catch (error) {
      if (tried >= CREATE_ATTEMPTS || (error as { retriable?: boolean }).retriable !== true) throw error;
      await new Promise((resolve) => setTimeout(resolve, CREATE_RETRY_MS));
    }
  }
}
