import { median, round } from '../stats.js';

/**
 * Runs two configurations of one scenario interleaved (A, B, A, B, ...) so the machine's drift
 * hits both alike, then reports medians of each and the ratio B / A for every numeric figure.
 */
export async function compareInterleaved<T extends Record<string, unknown>>(
  runs: number,
  a: { label: string; run: () => Promise<T> },
  b: { label: string; run: () => Promise<T> },
  figures: Array<keyof T & string>,
): Promise<{ rows: Array<Record<string, unknown>>; summary: Record<string, unknown> }> {
  const results: Record<string, T[]> = { [a.label]: [], [b.label]: [] };
  const rows: Array<Record<string, unknown>> = [];
  for (let run = 0; run < runs; run++) {
    for (const side of [a, b]) {
      const result = await side.run();
      results[side.label]!.push(result);
      rows.push({ config: side.label, run: run + 1, ...result });
    }
  }
  const medians = (label: string) => Object.fromEntries(figures.map((figure) => [figure, median(results[label]!.map((r) => Number(r[figure])))]));
  const medianA = medians(a.label);
  const medianB = medians(b.label);
  const ratios = Object.fromEntries(figures.map((figure) => [figure, medianA[figure] ? round(medianB[figure]! / medianA[figure]!, 3) : null]));
  return { rows, summary: { runs, [a.label]: medianA, [b.label]: medianB, [`ratio_${b.label}_to_${a.label}`]: ratios } };
}
