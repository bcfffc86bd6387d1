import { describe, expect, it } from 'vitest';
import { runThroughput } from './scenarios/throughput.js';

describe('pnpm bench throughput (smoke)', () => {
  it('streams to clients on random channel subsets and reports frames/s, CPU per million frames and latency', async () => {
    const result = await runThroughput({
      connections: 100,
      channels: 5,
      perClient: 2,
      rate: 50,
      durationS: 2,
      shards: 1,
      direct: false,
      lbWorkers: 1,
      progress: () => undefined,
    });
    expect(result).toMatchObject({ scenario: 'throughput', connections: 100, connected: 100 });
    expect(result.produced).toBeGreaterThanOrEqual(90);
    // Every record reaches the ~40 clients subscribed to its channel (2 of 5 channels each).
    expect(result.delivered).toBeGreaterThan(result.produced * 20);
    // Frames per second is what was delivered over the measured window: 2 s of feed plus 1 s for the tail.
    expect(result.framesPerSecond).toBeLessThanOrEqual(Math.round(result.delivered / 3));
    expect(result.framesPerSecond).toBeGreaterThan(result.delivered / 10);
    expect(result.shardCpuSecondsPerMillionFrames).toBeGreaterThan(0);
    expect(result.lbCpuSecondsPerMillionFrames).toBeGreaterThan(0);
    expect(result.p99Ms).toBeGreaterThanOrEqual(result.p50Ms);
  }, 60_000);
});
