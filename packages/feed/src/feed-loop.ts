import { setTimeout as sleep } from 'node:timers/promises';
import type { RecordSink, SinkMessage } from '@odin-ws/kafka';
import { MarketDataGenerator } from './market-data.js';

export interface FeedOptions {
  topics: string[];
  symbols: string[];
  /** Records per second over all topics. */
  rate: number;
  /** 0: until the signal aborts. */
  durationS: number;
  signal?: AbortSignal;
  onProgress?: (produced: number) => void;
}

const TICK_MS = 10;

/**
 * Produces records at a steady rate, spread evenly over the topics. The count owed is computed
 * from elapsed time, so a slow send is caught up on the next tick instead of lowering the rate.
 * Resolves with the number of records produced.
 */
export async function runFeed(sink: RecordSink, options: FeedOptions): Promise<number> {
  const generator = new MarketDataGenerator(options.symbols);
  const kinds = options.topics.map((topic) => MarketDataGenerator.kindOfTopic(topic));
  const startedAt = Date.now();
  const endsAt = options.durationS > 0 ? startedAt + options.durationS * 1000 : Infinity;
  let produced = 0;
  while (!options.signal?.aborted) {
    const now = Date.now();
    const owed = Math.floor(((Math.min(now, endsAt) - startedAt) / 1000) * options.rate) - produced;
    if (owed > 0) {
      const byTopic = options.topics.map((): SinkMessage[] => []);
      for (let i = 0; i < owed; i++) {
        const topicIndex = (produced + i) % options.topics.length;
        const record = generator.next(kinds[topicIndex]!, now);
        byTopic[topicIndex]!.push({ key: record.key, value: record.value, timestamp: now });
      }
      await Promise.all(options.topics.map((topic, i) => (byTopic[i]!.length > 0 ? sink.send(topic, byTopic[i]!) : undefined)));
      produced += owed;
      options.onProgress?.(produced);
    }
    if (now >= endsAt) break;
    await sleep(TICK_MS);
  }
  return produced;
}
