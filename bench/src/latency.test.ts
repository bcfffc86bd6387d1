import { describe, expect, it } from 'vitest';
import { LatencyRecorder, mergeSummaries, percentiles, percentilesOf } from './latency.js';

const uniform = (from: number, to: number, step = 1) => Array.from({ length: Math.floor((to - from) / step) + 1 }, (_, i) => from + i * step);
/** HDR with 3 significant figures: a recorded value comes back within 0.1 %. */
const close = (actual: number, expected: number) => expect(Math.abs(actual - expected)).toBeLessThanOrEqual(expected * 0.001 + 0.001);

describe('latency distributions (perf_hooks histograms)', () => {
  it('gives nearest-rank percentiles of what it recorded, within HDR resolution', () => {
    const { p50, p95, p99, min, max } = percentiles(uniform(1, 1000));
    close(p50, 500);
    close(p95, 950);
    close(p99, 990);
    close(min, 1);
    close(max, 1000);
  });

  it('merges the processes of a load generator as if one had recorded everything', () => {
    const fast = uniform(0.5, 50, 0.5); // 100 samples
    const slow = uniform(100, 1099); // 1,000 samples
    const merged = percentilesOf(mergeSummaries([LatencyRecorder.of(fast).summary(), LatencyRecorder.of(slow).summary()]));
    const whole = percentiles([...fast, ...slow]);
    for (const figure of ['p50', 'p95', 'p99', 'min', 'max'] as const) close(merged[figure], whole[figure]);
    expect(mergeSummaries([LatencyRecorder.of(fast).summary(), LatencyRecorder.of(slow).summary()]).count).toBe(1100);
  });

  it('reads an empty distribution as zeros, and a merge ignores empty parts', () => {
    expect(percentiles([])).toEqual({ p50: 0, p95: 0, p99: 0, max: 0, min: 0 });
    const one = LatencyRecorder.of([7]).summary();
    expect(mergeSummaries([new LatencyRecorder().summary(), one])).toEqual(one);
  });

  it('counts a sample under a microsecond, or below zero (clock skew between processes), as one microsecond', () => {
    expect(percentiles([0, -3, 0.0004])).toMatchObject({ min: 0.001, max: 0.001 });
  });
});
