import { describe, expect, it } from 'vitest';
import { runSoak } from './scenarios/soak.js';

describe('pnpm bench soak (smoke)', () => {
  it("fires faults at random under SDK clients and reports exactly-once delivery and each tier's RSS and descriptors", async () => {
    // No broker restarts here: each costs a JVM start, the suite runs beside other tests on 2 cores, and the
    // Kafka-restart tests cover them. The 10-minute soak in docs/performance.md has every fault.
    const result = await runSoak({
      connections: 100,
      durationS: 20,
      rate: 40,
      shards: 2,
      lbWorkers: 2,
      faultIntervalS: 6,
      faults: ['shard-kill', 'shard-drain', 'lb-worker-kill', 'shard-list-rewrite'],
      progress: () => undefined,
    });
    expect(result.problems).toEqual([]);
    expect(result).toMatchObject({ scenario: 'soak', connections: 100, complete: 100, notRecovered: 0 });
    expect(Object.values(result.faults).reduce((sum, n) => sum + n, 0)).toBeGreaterThanOrEqual(2);
    expect(result.produced).toBeGreaterThan(20 * 20);
    for (const group of ['shards', 'lb', 'loadGenerator'] as const) expect(result.cpuSeconds[group], group).toBeGreaterThan(0);
    for (const tier of ['shards', 'lb'] as const) {
      expect(result.atEnd[tier].rssMb).toBeGreaterThan(20);
      expect(result.atEnd[tier].fds).toBeGreaterThan(10);
    }
  }, 240_000);
});
