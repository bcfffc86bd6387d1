import { setTimeout as sleep } from 'node:timers/promises';
import { type KafkaTarget, produce } from './kafka.js';

export interface SequenceFeed {
  /** Records produced so far per key (numbered 0, 1, 2... per key). */
  produced(): Map<string, number>;
  /** Stops producing; resolves with the final count per key once every send was acknowledged. */
  stop(): Promise<Map<string, number>>;
}

/**
 * Produces numbered records, `{"type":"TRADE_EXECUTED","timestamp":..,"data":{"n":<per-key number>}}`,
 * round-robin over `keys` at about `ratePerSecond`, so a test can check that a client got every record
 * of a channel exactly once and in order. Sends are awaited one batch at a time: numbers are produced
 * in order per key.
 */
export function startSequenceFeed(options: {
  topic: string;
  keys: string[];
  ratePerSecond: number;
  brokers?: KafkaTarget;
  /** Carry on from an earlier feed's counts (its stop() result). */
  continueFrom?: Map<string, number>;
  /** Extra bytes of padding per record, to move more data. */
  padBytes?: number;
}): SequenceFeed {
  const pad = options.padBytes ? { pad: 'x'.repeat(options.padBytes) } : {};
  const counts = new Map(options.keys.map((key) => [key, options.continueFrom?.get(key) ?? 0]));
  const tickMs = 20;
  const perTick = Math.max(1, Math.round((options.ratePerSecond * tickMs) / 1000));
  let running = true;
  let cursor = 0;
  const loop = (async () => {
    while (running) {
      const startedAt = Date.now();
      const messages = Array.from({ length: perTick }, () => {
        const key = options.keys[cursor++ % options.keys.length]!;
        const n = counts.get(key)!;
        counts.set(key, n + 1);
        return { key, value: JSON.stringify({ type: 'TRADE_EXECUTED', timestamp: Date.now(), data: { n, ...pad } }) };
      });
      await produce(options.topic, messages, options.brokers);
      await sleep(Math.max(0, tickMs - (Date.now() - startedAt)));
    }
  })();
  return {
    produced: () => new Map(counts),
    stop: async () => {
      running = false;
      await loop;
      return new Map(counts);
    },
  };
}
