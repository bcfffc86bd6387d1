import { describe, expect, it } from 'vitest';
import { runRecovery } from './scenarios/recovery.js';

describe('pnpm bench recovery (smoke)', () => {
  it('kills a shard under SDK clients and reports that every record arrived once, with the outage they saw', async () => {
    const result = await runRecovery({ connections: 60, fault: 'kill', rate: 40, shards: 2, lbWorkers: 1, progress: () => undefined });
    expect(result).toMatchObject({ scenario: 'recovery', connections: 60, complete: 60, notRecovered: 0 });
    expect(result.reconnects).toBeGreaterThan(0);
    expect(result.outageMaxMs).toBeGreaterThanOrEqual(result.outageP50Ms);
  }, 120_000);
});
