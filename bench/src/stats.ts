/** Percentile by nearest rank over a sorted copy; 0 for no samples. */
export function percentiles(samples: number[]): { p50: number; p95: number; p99: number; max: number; min: number } {
  if (samples.length === 0) return { p50: 0, p95: 0, p99: 0, max: 0, min: 0 };
  const sorted = Float64Array.from(samples).sort();
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!;
  return { p50: at(0.5), p95: at(0.95), p99: at(0.99), max: sorted[sorted.length - 1]!, min: sorted[0]! };
}

export function median(values: number[]): number {
  return percentiles(values).p50;
}

export function round(value: number, digits = 2): number {
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
}
