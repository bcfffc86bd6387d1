import { describe, expect, it } from 'vitest';
import { flattenOneLevel } from './report.js';

describe('flattenOneLevel', () => {
  it('puts nested figures in parent.child columns and leaves arrays and deeper objects out', () => {
    expect(
      flattenOneLevel({ p99Ms: 57, loadGenerator: { cpuSeconds: 1.4, deliveryCpuCores: 0.2 }, errors: {}, latencies: [1, 2], deep: { a: { b: 1 } } }),
    ).toEqual({
      p99Ms: 57,
      'loadGenerator.cpuSeconds': 1.4,
      'loadGenerator.deliveryCpuCores': 0.2,
    });
  });
});
