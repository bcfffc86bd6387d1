import type { FeedConfig } from '@odin-ws/config';
import { MarketDataGenerator, runFeed } from '@odin-ws/feed';
import { createKafkaJsSink, ensureTopics } from '@odin-ws/kafka';
import { createLogger } from '@odin-ws/observability';
import { logRuntime } from '../runtime-facts.js';
import { exitAfterDrainOnSignal } from '../shutdown.js';

const DEMO_PARTITIONS = 12;
const PROGRESS_EVERY_MS = 10_000;
/** Stopping the feed flushes one produce batch at most. */
const STOP_TIMEOUT_MS = 10_000;

export async function runFeedMode(config: FeedConfig): Promise<void> {
  const logger = createLogger({ level: config.logLevel, base: { mode: 'feed' } });
  logRuntime(logger);
  // Ticker topics carry whole states: compacted, as scripts/kafka.sh makes them; book topics carry
  // incremental books, which compaction would break (docs/kafka.md).
  const topics = config.topics.map((topic) => ({ topic, partitions: DEMO_PARTITIONS, compacted: MarketDataGenerator.kindOfTopic(topic) === 'ticker' }));
  await ensureTopics({ connection: config.kafka, logger, topics });
  const sink = await createKafkaJsSink({
    connection: config.kafka,
    clientId: `${config.kafka.clientId}-feed`,
    logger,
    metadataRefreshMs: config.kafka.metadataRefreshMs,
  });
  const abort = new AbortController();
  logger.info({ topics: config.topics, symbols: config.symbols, rate: config.rate }, 'feed started');
  let lastReport = Date.now();
  const finished = runFeed(sink, {
    ...config,
    signal: abort.signal,
    onProgress: (count) => {
      if (Date.now() - lastReport < PROGRESS_EVERY_MS) return;
      lastReport = Date.now();
      logger.info({ produced: count }, 'feed progress');
    },
  }).then(async (produced) => {
    await sink.close();
    logger.info({ produced }, 'feed stopped');
  });
  exitAfterDrainOnSignal(logger, STOP_TIMEOUT_MS, () => {
    abort.abort();
    return finished;
  });
  await finished;
}
