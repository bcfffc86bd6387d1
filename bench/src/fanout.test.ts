import { createTestTopic, startShardProcess } from '@odin-ws/testkit';
import { describe, expect, it } from 'vitest';
import { runFanout } from './scenarios/fanout.js';

/** A short run of the real harness, so it cannot rot; speed goals live in the benchmark itself. */
describe('pnpm bench fanout (smoke)', () => {
  it.each([false, true])(
    'delivers every record to every client (direct: %s) and reports the contract fields',
    async (direct) => {
      const result = await runFanout({ connections: 50, messages: 3, intervalMs: 50, shards: 2, direct, lbWorkers: 1, progress: () => undefined });
      expect(result).toMatchObject({
        scenario: 'fanout',
        path: direct ? 'direct' : 'lb',
        connections: 50,
        connected: 50,
        expected: 150,
        delivered: 150,
        deliveryRate: 1,
      });
      for (const field of ['p50Ms', 'p95Ms', 'p99Ms', 'maxMs', 'handshakeP50Ms', 'handshakeP99Ms'] as const) expect(result[field]).toBeGreaterThanOrEqual(0);
      expect(result.p99Ms).toBeGreaterThanOrEqual(result.p50Ms);
      expect(result.loadGenerator.cpuSeconds).toBeGreaterThan(0);
    },
    60_000,
  );

  it('can be pointed at a running fleet instead of starting one', async () => {
    const topic = await createTestTopic('bench-external', 1);
    const shard = await startShardProcess({ topics: [topic], args: [`--channel-map=${topic}=tick`] });
    try {
      const result = await runFanout({
        connections: 20,
        messages: 2,
        intervalMs: 50,
        shards: 1,
        direct: true,
        lbWorkers: 1,
        progress: () => undefined,
        external: { url: shard.url, topic, event: 'tick' },
      });
      expect(result).toMatchObject({ connected: 20, expected: 40, delivered: 40, deliveryRate: 1 });
    } finally {
      await shard.stop();
    }
  }, 60_000);
});
