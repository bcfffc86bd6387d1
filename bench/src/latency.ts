import { createHistogram, type RecordableHistogram } from 'node:perf_hooks';

/**
 * Latency distributions in HDR form, never as lists of samples: a fan-out run delivers millions of
 * frames, and an array of every latency cost the load generator memory and a sort per report. Each
 * process records into a perf_hooks histogram (microseconds, 3 significant figures); what crosses
 * process boundaries is a summary (count, extremes and the value at every 0.1 % step), which merges
 * exactly at that resolution.
 */
export interface LatencySummary {
  count: number;
  minMs: number;
  maxMs: number;
  /** The latency at quantile (i + 1) / QUANTILE_STEPS, for i = 0 … QUANTILE_STEPS - 1. */
  quantilesMs: number[];
}

export interface Percentiles {
  p50: number;
  p95: number;
  p99: number;
  max: number;
  min: number;
}

const QUANTILE_STEPS = 1000;
const MICROSECONDS_PER_MS = 1000;
/** An hour: nothing a bench measures is longer, and HDR's memory depends on the range. */
const HIGHEST_US = 3_600_000_000;

export class LatencyRecorder {
  private readonly histogram: RecordableHistogram = createHistogram({ lowest: 1, highest: HIGHEST_US, figures: 3 });

  static of(samplesMs: Iterable<number>): LatencyRecorder {
    const recorder = new LatencyRecorder();
    for (const ms of samplesMs) recorder.recordMs(ms);
    return recorder;
  }

  /** Below a microsecond counts as one (HDR records positive integers); negative clock skew likewise. */
  recordMs(ms: number): void {
    this.histogram.record(Math.min(HIGHEST_US, Math.max(1, Math.round(ms * MICROSECONDS_PER_MS))));
  }

  get count(): number {
    return this.histogram.count;
  }

  summary(): LatencySummary {
    if (this.histogram.count === 0) return { count: 0, minMs: 0, maxMs: 0, quantilesMs: [] };
    const quantilesMs = Array.from({ length: QUANTILE_STEPS }, (_, i) => this.histogram.percentile(((i + 1) * 100) / QUANTILE_STEPS) / MICROSECONDS_PER_MS);
    return { count: this.histogram.count, minMs: this.histogram.min / MICROSECONDS_PER_MS, maxMs: this.histogram.max / MICROSECONDS_PER_MS, quantilesMs };
  }
}

/**
 * One distribution from several (the load generator's processes): at each quantile step, the
 * smallest latency at which the processes' cumulative counts, weighted by their sizes, reach it.
 */
export function mergeSummaries(summaries: LatencySummary[]): LatencySummary {
  const parts = summaries.filter((summary) => summary.count > 0);
  if (parts.length <= 1) return parts[0] ?? { count: 0, minMs: 0, maxMs: 0, quantilesMs: [] };
  const count = parts.reduce((total, part) => total + part.count, 0);
  // Every step of every part, ascending: walking them accumulates the merged distribution.
  const steps = parts.flatMap((part) => part.quantilesMs.map((ms) => ({ ms, weight: part.count / QUANTILE_STEPS }))).sort((a, b) => a.ms - b.ms);
  const quantilesMs: number[] = [];
  let reached = 0;
  let step = 0;
  for (const { ms, weight } of steps) {
    reached += weight;
    while (step < QUANTILE_STEPS && reached >= ((step + 1) * count) / QUANTILE_STEPS - 1e-9) {
      quantilesMs.push(ms);
      step++;
    }
  }
  while (quantilesMs.length < QUANTILE_STEPS) quantilesMs.push(steps[steps.length - 1]!.ms);
  return { count, minMs: Math.min(...parts.map((part) => part.minMs)), maxMs: Math.max(...parts.map((part) => part.maxMs)), quantilesMs };
}

/** The figures reports show; zeros for an empty distribution. */
export function percentilesOf(summary: LatencySummary): Percentiles {
  if (summary.count === 0) return { p50: 0, p95: 0, p99: 0, max: 0, min: 0 };
  const at = (fraction: number) => summary.quantilesMs[Math.round(fraction * QUANTILE_STEPS) - 1]!;
  return { p50: at(0.5), p95: at(0.95), p99: at(0.99), max: summary.maxMs, min: summary.minMs };
}

/** Percentiles of a few samples (outages, handshakes of one run), through the same histogram. */
export function percentiles(samplesMs: Iterable<number>): Percentiles {
  return percentilesOf(LatencyRecorder.of(samplesMs).summary());
}
