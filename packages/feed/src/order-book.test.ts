import { describe, expect, it } from 'vitest';
import { seededRandom } from '../test-support/seeded-random.js';
import { decimalsOf, instrumentFor } from './instruments.js';
import { BOOK_DEPTH, OrderBook } from './order-book.js';

const onGrid = (value: number, increment: number) =>
  Number(value.toFixed(decimalsOf(increment))) === value && Math.abs(value / increment - Math.round(value / increment)) < 1e-6;

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
      expect(bids).toHaveLength(BOOK_DEPTH);
      expect(asks).toHaveLength(BOOK_DEPTH);
      for (let level = 1; level < BOOK_DEPTH; level++) {
        expect(bids[level]![0]).toBeLessThan(bids[level - 1]![0]);
        expect(asks[level]![0]).toBeGreaterThan(asks[level - 1]![0]);
      }
      expect(bids[0]![0]).toBeLessThan(asks[0]![0]);
      for (const [price, qty] of [...bids, ...asks]) {
        expect(onGrid(price, instrument.tick), `${price} on a ${instrument.tick} tick`).toBe(true);
        expect(qty).toBeGreaterThan(0);
        expect(onGrid(qty, instrument.lot), `${qty} in ${instrument.lot} lots`).toBe(true);
      }
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
