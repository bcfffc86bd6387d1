import { describe, expect, it } from 'vitest';
import { BOOK_FORMS, runBook } from './scenarios/book.js';

describe('pnpm bench book (smoke)', () => {
  it('brings every whole-book client to the last update and reports CPU, apply, latency per form, bytes per form, a snapshot and memory', async () => {
    const result = await runBook({
      books: 3,
      levels: 100,
      changes: 4,
      rate: 300,
      hotRate: 100,
      seconds: 1,
      connections: 1,
      runs: 1,
      progress: () => undefined,
    });
    const run = result.runs[0]!;
    expect(run.shardCpuMicrosPerUpdate).toBeGreaterThan(0);
    expect(run.applyMicrosPerLevel).toBeGreaterThan(0);
    for (const form of ['plain', 'rate250', 'depth10'] as const) expect(run.latencyMs[form].p99).toBeGreaterThanOrEqual(run.latencyMs[form].p50);
    for (const form of BOOK_FORMS) expect(run.bytesPerSecond[form], form).toBeGreaterThan(0);
    // The whole book on every change costs far more than the merged variant of the same book.
    expect(run.bytesPerSecond.fullBook).toBeGreaterThan(run.bytesPerSecond.rate250 * 5);
    expect(run.rate250OverFullBook).toBeLessThan(0.2);
    expect(result.snapshotBuildMs).toBeGreaterThan(0);
    expect(result.bytesPerLevel).toBeGreaterThan(20);
    expect(result.summary).toEqual(run);
  }, 120_000);
});
