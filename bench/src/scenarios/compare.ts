import { median, round } from '../stats.js';

export interface CompareSide<T> {
  label: string;
  run: () => Promise<T>;
}

/**
 * Runs several configurations of one scenario interleaved (A, B, C, A, B, C, ...) so the machine's
 * drift hits all alike, then reports the medians of each and, for every pair, the ratio of the later
 * one to the earlier one (`ratio_lb_to_direct`), for every numeric figure. `figures` may be a
 * function of the first result, for results whose fields are known only once one arrived.
 */
export async function compareInterleaved<T extends Record<string, unknown>>(
  runs: number,
  sides: Array<CompareSide<T>>,
  figuresOrPick: Array<keyof T & string> | ((first: T) => Array<keyof T & string>),
): Promise<{ rows: Array<Record<string, unknown>>; summary: Record<string, unknown> }> {
  const results = new Map<string, T[]>(sides.map((side) => [side.label, []]));
  const rows: Array<Record<string, unknown>> = [];
  for (let run = 0; run < runs; run++) {
    for (const side of sides) {
      const result = await side.run();
      results.get(side.label)!.push(result);
      rows.push({ config: side.label, run: run + 1, ...result });
    }
  }
  const figures = typeof figuresOrPick === 'function' ? figuresOrPick(results.get(sides[0]!.label)![0]!) : figuresOrPick;
  const medians = new Map(
    sides.map(({ label }) => [label, Object.fromEntries(figures.map((figure) => [figure, median(results.get(label)!.map((r) => Number(r[figure])))]))]),
  );
  const summary: Record<string, unknown> = { runs, ...Object.fromEntries(medians) };
  sides.forEach((earlier, i) => {
    for (const later of sides.slice(i + 1)) {
      const [a, b] = [medians.get(earlier.label)!, medians.get(later.label)!];
      summary[`ratio_${later.label}_to_${earlier.label}`] = Object.fromEntries(
        figures.map((figure) => [figure, a[figure] ? round(b[figure]! / a[figure]!, 3) : null]),
      );
    }
  });
  return { rows, summary };
}
