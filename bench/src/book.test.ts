import { describe, expect, it } from 'vitest';
import { runBook } from './scenarios/book.js';

describe('pnpm bench book (smoke)', () => {
  it('brings every whole-book client to the last update and reports the apply, CPU, frames, bytes and snapshot figures', async () => {
    const result = await runBook({ levels: 200, changes: 4, records: 100, rate: 500, connections: 2, runs: 1, progress: () => undefined });
    const run = result.runs[0]!;
    // Every update reaches a whole-book client once; the top 10 only when an update changed it.
    expect(run.fullFramesPerRecord).toBe(1);
    expect(run.depth10FramesPerRecord).toBeGreaterThan(0);
    expect(run.depth10FramesPerRecord).toBeLessThan(1);
    expect(run.applyMicrosPerRecord).toBeGreaterThan(0);
    expect(run.applyMicrosPerLevel).toBeCloseTo(run.applyMicrosPerRecord / 4, 1);
    expect(run.fullBytesPerRecord).toBeGreaterThan(100);
    // 200 levels a side at roughly 25 bytes a level: the whole book, not a top N.
    expect(run.snapshotBytes).toBeGreaterThan(200 * 2 * 20);
    expect(run.snapshotMs).toBeGreaterThan(0);
    expect(result.summary).toEqual(run);
  }, 120_000);
});
