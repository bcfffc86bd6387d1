import { describe, expect, it } from 'vitest';
import { seededRandom } from '../test-support/seeded-random.js';
import { decimalsOf, instrumentFor } from './instruments.js';
import { BOOK_DEPTH, OrderBook } from './order-book.js';

const onGrid = (value: number, increment: number) =>
  Number(value.toFixed(decimalsOf(increment))) === value && Math.abs(value / increment - Math.round(value / increment)) < 1e-6;

type Level = [number, number];

/** The first way these sides are not a real book of this instrument, or undefined. */
function bookViolation(bids: Level[], asks: Level[], instrument: { tick: number; lot: number }): string | undefined {
  if (bids.length !== BOOK_DEPTH || asks.length !== BOOK_DEPTH) return `depth ${bids.length}/${asks.length}, not ${BOOK_DEPTH}`;
  for (let level = 1; level < BOOK_DEPTH; level++) {
    if (!(bids[level]![0] < bids[level - 1]![0])) return `bid ${level} (${bids[level]![0]}) not below bid ${level - 1} (${bids[level - 1]![0]})`;
    if (!(asks[level]![0] > asks[level - 1]![0])) return `ask ${level} (${asks[level]![0]}) not above ask ${level - 1} (${asks[level - 1]![0]})`;
  }
  if (!(bids[0]![0] < asks[0]![0])) return `crossed: best bid ${bids[0]![0]}, best ask ${asks[0]![0]}`;
  for (const [price, qty] of [...bids, ...asks]) {
    if (!onGrid(price, instrument.tick)) return `${price} not on a ${instrument.tick} tick`;
    if (!(qty > 0)) return `quantity ${qty} at ${price}`;
    if (!onGrid(qty, instrument.lot)) return `${qty} not in ${instrument.lot} lots`;
  }
  return undefined;
}

describe('OrderBook', () => {
  it.each(['BTC', 'DOGE', 'ZZZ'])('%s: stays a real book through 20,000 updates and trades (depth, order, no cross, ticks and lots)', (symbol) => {
    const instrument = instrumentFor(symbol);
    const random = seededRandom(7);
    const book = new OrderBook(instrument, random);
    let previous = JSON.stringify(book.snapshot());
    let changedLevels = 0;
    for (let i = 0; i < 20_000; i++) {
      book.step();
      if (i % 3 === 0) book.trade(random() < 0.5 ? 'buy' : 'sell', instrument.typicalQty);
      const { bids, asks } = book.snapshot();
      // Every level of every update is checked; expect is called once, with the first violation, so
      // 20,000 updates of 400 levels cost milliseconds of checking rather than millions of expect calls.
      const violation = bookViolation(bids, asks, instrument);
      if (violation !== undefined) expect.fail(`${symbol} after update ${i}: ${violation}`);
      const now = JSON.stringify({ bids, asks });
      if (now !== previous) changedLevels++;
      previous = now;
    }
    // It evolves: nearly every update changes something.
    expect(changedLevels).toBeGreaterThan(15_000);
  });

  it('changes a few levels per update, not the whole book', () => {
    const book = new OrderBook(instrumentFor('ETH'), seededRandom(3));
    let total = 0;
    for (let i = 0; i < 1000; i++) {
      const before = book.snapshot();
      book.step();
      const after = book.snapshot();
      const key = (levels: Array<[number, number]>) => new Set(levels.map(([price, qty]) => `${price}:${qty}`));
      for (const side of ['bids', 'asks'] as const) {
        const old = key(before[side]);
        total += after[side].filter(([price, qty]) => !old.has(`${price}:${qty}`)).length;
      }
    }
    expect(total / 1000).toBeGreaterThan(1);
    expect(total / 1000).toBeLessThan(5);
  });
});
