import { describe, expect, it } from 'vitest';
import { runRamp } from './scenarios/ramp.js';

describe('pnpm bench ramp (smoke)', () => {
  it('opens the target at the set rate, holds it, and reports success and handshake percentiles', async () => {
    const result = await runRamp({ connections: 200, rate: 200, holdS: 1, shards: 1, direct: false, lbWorkers: 1, progress: () => undefined });
    expect(result).toMatchObject({ scenario: 'ramp', connections: 200, connected: 200, successRate: 1, aliveAfterHold: 200 });
    expect(result.loadGeneratorCpuSeconds).toBeGreaterThan(0);
    expect(result.shardCpuMsPerHandshake).toBeGreaterThan(0);
    expect(result.rampSeconds).toBeGreaterThanOrEqual(0.9); // paced, not all at once
    expect(result.handshakeP99Ms).toBeGreaterThanOrEqual(result.handshakeP50Ms);
  }, 60_000);
});
