import { compareDecimals } from '@odin-ws/protocol';
import { describe, expect, it } from 'vitest';
import { BookSide } from './book-side.js';

const prices = (side: BookSide) => side.levels.map(([price]) => price);

describe('BookSide', () => {
  it('orders bids descending and asks ascending, and finds a level under any spelling of its price', () => {
    const bids = new BookSide(-1);
    const asks = new BookSide(1);
    bids.reset([
      ['9.5', '1'],
      ['10.25', '2'],
      ['10.3', '0'],
    ]);
    asks.reset([
      ['11', '1'],
      ['10.5', '4'],
    ]);
    expect(prices(bids)).toEqual(['10.25', '9.5']);
    expect(prices(asks)).toEqual(['10.5', '11']);
    expect(bids.get('010.250')).toEqual(['10.25', '2']);
    expect(asks.set(['10.50', '0'])).toEqual(['10.5', '4']);
    expect(prices(asks)).toEqual(['11']);
  });

  it('keeps prices that share a double apart and in exact order: the double only narrows the search', () => {
    // 18 significant digits: these three (and "1") are distinct decimals but the same double.
    const same = ['1.00000000000000003', '1.00000000000000001', '1.00000000000000002'];
    expect(new Set(same.map(Number)).size).toBe(1);
    const asks = new BookSide(1);
    const bids = new BookSide(-1);
    for (const price of same) {
      expect(asks.set([price, '1'])).toBeNull();
      expect(bids.set([price, '1'])).toBeNull();
    }
    asks.set(['1', '1']);
    bids.set(['1', '1']);
    const exact = ['1', ...same].sort(compareDecimals);
    expect(prices(asks)).toEqual(exact);
    expect(prices(bids)).toEqual([...exact].reverse());
    expect(asks.set(['1.000000000000000020', '2'])).toEqual(['1.00000000000000002', '1']);
    expect(bids.set(['1.00000000000000003', '0'])).toEqual(['1.00000000000000003', '1']);
    expect(bids.get('1.00000000000000003')).toBeUndefined();
    expect(bids.get('1.00000000000000001')).toEqual(['1.00000000000000001', '1']);
    expect(asks.length).toBe(4);
    expect(bids.length).toBe(3);
  });

  it('stays a sorted map of the levels it was given through thousands of inserts, changes and removals', () => {
    const asks = new BookSide(1);
    const model = new Map<number, string>();
    let state = 7;
    const next = () => {
      state = (state * 1_103_515_245 + 12_345) % 2_147_483_648;
      return state >>> 8;
    };
    for (let i = 0; i < 5000; i++) {
      const cents = next() % 800;
      const quantity = next() % 4 === 0 ? '0' : String(1 + (next() % 9));
      asks.set([`${Math.floor(cents / 100)}.${String(cents % 100).padStart(2, '0')}`, quantity]);
      if (quantity === '0') model.delete(cents);
      else model.set(cents, quantity);
    }
    const expected = [...model]
      .sort(([a], [b]) => a - b)
      .map(([cents, quantity]) => [`${Math.floor(cents / 100)}.${String(cents % 100).padStart(2, '0')}`, quantity]);
    expect(asks.levels).toEqual(expected);
    expect(asks.length).toBeGreaterThan(64); // grown past its first capacity
  });

  it('keeps at most maxLevels: a deeper level is dropped, never inserted, and an insert above pushes the deepest out', () => {
    const asks = new BookSide(1, 3);
    asks.reset([
      ['5', '1'],
      ['1', '1'],
      ['3', '1'],
      ['4', '1'],
    ]);
    expect([prices(asks), asks.dropped]).toEqual([['1', '3', '4'], 1]);
    expect(asks.set(['9', '1'])).toBeNull();
    expect([prices(asks), asks.dropped]).toEqual([['1', '3', '4'], 2]);
    asks.set(['2', '1']);
    expect([prices(asks), asks.dropped]).toEqual([['1', '2', '3'], 3]);
    expect(asks.get('4')).toBeUndefined();
  });

  it('says from which index it changed, so a top-N view is rebuilt only when the top N moved', () => {
    const bids = new BookSide(-1);
    bids.reset(Array.from({ length: 30 }, (_, i) => [String(100 - i), '1'] as const));
    expect(bids.touchedFrom()).toBe(0);
    expect(bids.touchedFrom()).toBe(Number.POSITIVE_INFINITY);
    bids.set(['80', '2']);
    bids.set(['75', '0']);
    expect(bids.touchedFrom()).toBe(20);
    bids.set(['100.5', '1']);
    expect(bids.touchedFrom()).toBe(0);
    bids.set(['1', '0']); // absent: nothing changes
    expect(bids.touchedFrom()).toBe(Number.POSITIVE_INFINITY);
    expect(bids.top(3)).toEqual([
      ['100.5', '1'],
      ['100', '1'],
      ['99', '1'],
    ]);
  });
});
