import { describe, expect, it } from 'vitest';
import { runSoak } from './scenarios/soak.js';

describe('pnpm bench soak (smoke)', () => {
  it("fires faults at random under SDK clients and reports exactly-once delivery and each tier's RSS and descriptors", async () => {
    const result = await runSoak({ connections: 100, durationS: 25, rate: 40, shards: 2, lbWorkers: 2, faultIntervalS: 6, progress: () => undefined });
    expect(result.problems).toEqual([]);
    expect(result).toMatchObject({ scenario: 'soak', connections: 100, complete: 100, notRecovered: 0 });
    expect(Object.values(result.faults).reduce((sum, n) => sum + n, 0)).toBeGreaterThanOrEqual(2);
    expect(result.produced).toBeGreaterThan(25 * 20);
    for (const tier of ['shards', 'lb'] as const) {
      expect(result.atEnd[tier].rssMb).toBeGreaterThan(20);
      expect(result.atEnd[tier].fds).toBeGreaterThan(10);
    }
  }, 240_000);
});
