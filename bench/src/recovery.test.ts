import { describe, expect, it } from 'vitest';
import { runRecovery } from './scenarios/recovery.js';

describe('pnpm bench recovery (smoke)', () => {
  it('kills a shard under SDK clients and reports that every record arrived once, with the outage they saw', async () => {
    const result = await runRecovery({ connections: 60, fault: 'kill', rate: 40, shards: 2, lbWorkers: 1, progress: () => undefined });
    expect(result).toMatchObject({ scenario: 'recovery', connections: 60, complete: 60, notRecovered: 0 });
    expect(result.reconnects).toBeGreaterThan(0);
    expect(result.outageMaxMs).toBeGreaterThanOrEqual(result.outageP50Ms);
    // The load generator's CPU beside the servers': every group measured something.
    for (const group of ['shards', 'lb', 'loadGenerator'] as const) expect(result.cpuSeconds[group], group).toBeGreaterThan(0);
  }, 120_000);
});
