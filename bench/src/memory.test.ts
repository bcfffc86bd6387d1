import { describe, expect, it } from 'vitest';
import { runMemory } from './scenarios/memory.js';

describe('pnpm bench memory (smoke)', () => {
  it('connects every client and reports bytes per connection for both tiers', async () => {
    const result = await runMemory({ connections: 200, shards: 1, lbWorkers: 1, progress: () => undefined });
    expect(result).toMatchObject({ scenario: 'memory', connections: 200, connected: 200 });
    expect(result.shardRssMb.after).toBeGreaterThan(0);
    expect(result.lbRssMb.after).toBeGreaterThan(0);
    expect(Number.isFinite(result.shardBytesPerConnection)).toBe(true);
    expect(Number.isFinite(result.lbBytesPerConnection)).toBe(true);
  }, 60_000);
});
