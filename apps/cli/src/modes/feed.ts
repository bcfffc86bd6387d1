import type { FeedConfig } from '@odin-ws/config';
import { runFeed } from '@odin-ws/feed';
import { createKafkaJsSink, ensureTopics } from '@odin-ws/kafka';
import { createLogger } from '@odin-ws/observability';

const DEMO_PARTITIONS = 12;
const PROGRESS_EVERY_MS = 10_000;

export async function runFeedMode(config: FeedConfig): Promise<void> {
  const logger = createLogger({ level: config.logLevel, base: { mode: 'feed' } });
  await ensureTopics({ brokers: config.kafka.brokers, logger, topics: config.topics.map((topic) => ({ topic, partitions: DEMO_PARTITIONS })) });
  const sink = await createKafkaJsSink({ brokers: config.kafka.brokers, clientId: `${config.kafka.clientId}-feed`, logger });
  const abort = new AbortController();
  for (const signal of ['SIGTERM', 'SIGINT'] as const) process.once(signal, () => abort.abort());
  logger.info({ topics: config.topics, symbols: config.symbols, rate: config.rate }, 'feed started');
  let lastReport = Date.now();
  const produced = await runFeed(sink, {
    ...config,
    signal: abort.signal,
    onProgress: (count) => {
      if (Date.now() - lastReport < PROGRESS_EVERY_MS) return;
      lastReport = Date.now();
      logger.info({ produced: count }, 'feed progress');
    },
  });
  await sink.close();
  logger.info({ produced }, 'feed stopped');
}
