import { availableParallelism } from 'node:os';
import { createTestTopic, startShardProcess } from '@odin-ws/testkit';
import { describe, expect, it } from 'vitest';
import { runFanout } from './scenarios/fanout.js';

/** A short run of the real harness, so it cannot rot; speed goals live in the benchmark itself. */
describe('pnpm bench fanout (smoke)', () => {
  it.each([false, true])(
    'delivers every record to every client (direct: %s) and reports the contract fields',
    async (direct) => {
      const startedAt = Date.now();
      const result = await runFanout({
        connections: 50,
        messages: 3,
        intervalMs: 50,
        shards: 2,
        direct,
        lbWorkers: 1,
        probeConnections: 5,
        progress: () => undefined,
      });
      const elapsedMs = Date.now() - startedAt;
      expect(result).toMatchObject({
        scenario: 'fanout',
        path: direct ? 'direct' : 'lb',
        connections: 50,
        connected: 50,
        expected: 150,
        delivered: 150,
        deliveryRate: 1,
      });
      // Percentiles in order, and every latency shorter than the run that measured it (a wrong unit or
      // clock would break one or the other).
      expect(result.p50Ms).toBeLessThanOrEqual(result.p95Ms);
      expect(result.p95Ms).toBeLessThanOrEqual(result.p99Ms);
      expect(result.p99Ms).toBeLessThanOrEqual(result.maxMs);
      expect(result.maxMs).toBeLessThan(elapsedMs);
      expect(result.handshakeP50Ms).toBeLessThanOrEqual(result.handshakeP99Ms);
      expect(result.handshakeP99Ms).toBeLessThan(elapsedMs);
      expect(result.loadGenerator.cpuSeconds).toBeGreaterThan(0);
      expect(result.shardCpuSeconds).toBeGreaterThanOrEqual(0); // a few frames: may be under /proc's 10 ms tick
      // The probe's clients are counted apart from the crowd's, and got every record too.
      expect(result.probe).toMatchObject({ connections: 5 });
      expect(result.probe!.p50Ms).toBeLessThanOrEqual(result.probe!.p99Ms);
      expect(result.probe!.p99Ms).toBeLessThan(elapsedMs);
      // The ratio, from unrounded percentiles, agrees with the rounded ones within their rounding.
      const ratio = result.p99Ms / result.probe!.p99Ms;
      expect(Math.abs(result.probe!.crowdP99OverProbe - ratio) / ratio).toBeLessThan(0.1);
      // In cores: a unit slip (ms for s) would put it far past the machine's.
      expect(result.loadGenerator.deliveryCpuCores).toBeGreaterThanOrEqual(0);
      expect(result.loadGenerator.deliveryCpuCores).toBeLessThanOrEqual(availableParallelism());
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
