import { describe, expect, it } from 'vitest';
import { runWire } from './scenarios/wire.js';

describe('pnpm bench wire (smoke)', () => {
  it('delivers every realistic book update in each mode and reports bytes per update, CPU and memory side by side', async () => {
    const result = await runWire({
      connections: 3,
      symbols: 2,
      records: 40,
      rate: 200,
      modes: ['off', 'shared', 'deflate', 'fossil', 'delta+deflate'],
      kinds: ['book'],
      runs: 1,
      progress: () => undefined,
    });
    expect(result.runs.map((run) => [run.mode, run.delivered])).toEqual([
      ['off', 120],
      ['shared', 120],
      ['deflate', 120],
      ['fossil', 120],
      ['delta+deflate', 120],
    ]);
    const [off, shared, deflate, fossil, deflateDeltas] = result.summary;
    // (CPU ratios need more frames than a smoke run: /proc counts in 10 ms ticks.)
    expect(off).toMatchObject({ mode: 'off', bytesVsOff: 1 });
    // Uncompressed, the wire carries the envelope and a few bytes of frame header; deflated, less.
    expect(off!.wireBytesPerUpdate).toBeGreaterThan(off!.envelopeBytes);
    expect(off!.wireBytesPerUpdate).toBeLessThan(off!.envelopeBytes + 12);
    expect(shared!.bytesVsOff).toBeLessThan(0.8);
    expect(deflate!.bytesVsOff).toBeLessThan(0.6);
    expect(fossil!.bytesVsOff).toBeLessThan(0.8);
    expect(deflateDeltas!.bytesVsOff).toBeLessThan(0.3);
    // A ten-minute-old state record comes right after the subscribe, not at the next update.
    expect(result.firstStateDataMs.runs).toHaveLength(1);
    expect(result.firstStateDataMs.median).toBeGreaterThan(0);
    expect(result.firstStateDataMs.median).toBeLessThan(2000);
    expect(shared!.loadGeneratorCpuSeconds).toBeGreaterThan(0);
  }, 120_000);
});
