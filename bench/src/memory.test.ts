import { describe, expect, it } from 'vitest';
import { runMemory } from './scenarios/memory.js';

describe('pnpm bench memory (smoke)', () => {
  it('connects every client and reports bytes per connection for both tiers', async () => {
    const result = await runMemory({ connections: 200, shards: 1, lbWorkers: 1, progress: () => undefined });
    expect(result).toMatchObject({ scenario: 'memory', connections: 200, connected: 200 });
    // Real processes were measured: a Node process with uWS (or the LB's workers) holds tens of MB.
    expect(result.shardRssMb.before).toBeGreaterThan(20);
    expect(result.lbRssMb.before).toBeGreaterThan(20);
    // The per-connection figure is the RSS growth over the clients, and far below the seed's 0.3 MB.
    // (The MB figures are rounded to 0.1 MB, so they agree within that much over the clients.)
    const perConnection = (rss: { before: number; after: number }) => ((rss.after - rss.before) * 2 ** 20) / result.connected;
    const rounding = (0.1 * 2 ** 20) / result.connected;
    expect(Math.abs(result.shardBytesPerConnection - perConnection(result.shardRssMb))).toBeLessThanOrEqual(rounding);
    expect(Math.abs(result.lbBytesPerConnection - perConnection(result.lbRssMb))).toBeLessThanOrEqual(rounding);
    expect(result.shardBytesPerConnection).toBeLessThan(300 * 1024);
    expect(result.lbBytesPerConnection).toBeLessThan(300 * 1024);
    for (const group of ['shards', 'lb', 'loadGenerator'] as const) expect(result.cpuSeconds[group], group).toBeGreaterThan(0);
  }, 60_000);
});
