import { describe, expect, it } from 'vitest';
import { runFanout } from './scenarios/fanout.js';

/** A short run of the real harness, so it cannot rot; speed goals live in the benchmark itself. */
describe('pnpm bench fanout (smoke)', () => {
  it.each([false, true])('delivers every record to every client (direct: %s) and reports the contract fields', async (direct) => {
    const result = await runFanout({ connections: 50, messages: 3, intervalMs: 50, shards: 2, direct, lbWorkers: 1, progress: () => undefined });
    expect(result).toMatchObject({ scenario: 'fanout', path: direct ? 'direct' : 'lb', connections: 50, connected: 50, expected: 150, delivered: 150, deliveryRate: 1 });
    for (const field of ['p50Ms', 'p95Ms', 'p99Ms', 'maxMs', 'handshakeP50Ms', 'handshakeP99Ms'] as const) expect(result[field]).toBeGreaterThanOrEqual(0);
    expect(result.p99Ms).toBeGreaterThanOrEqual(result.p50Ms);
    expect(result.loadGenerator.cpuSeconds).toBeGreaterThan(0);
  }, 60_000);
});
