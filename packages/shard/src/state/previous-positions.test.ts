import { describe, expect, it } from 'vitest';
import { PreviousPositions } from './previous-positions.js';

describe('PreviousPositions', () => {
  it('names the previous envelope of the channel on the same partition, null before any or after a partition change', () => {
    const positions = new PreviousPositions(10);
    expect(positions.prevOf('BTC.trade', 3)).toBeNull();
    positions.published('BTC.trade', 3, 100);
    positions.published('ETH.trade', 3, 101);
    expect(positions.prevOf('BTC.trade', 3)).toBe(100);
    positions.published('BTC.trade', 3, 104);
    expect(positions.prevOf('BTC.trade', 3)).toBe(104);
    // The channel's key now lands on another partition: nothing there precedes it.
    expect(positions.prevOf('BTC.trade', 7)).toBeNull();
  });

  it('forgets the channel first seen longest ago past its bound, whose next prev is then null', () => {
    const positions = new PreviousPositions(2);
    positions.published('A', 0, 1);
    positions.published('B', 0, 2);
    positions.published('A', 0, 3);
    positions.published('C', 0, 4);
    expect([positions.prevOf('A', 0), positions.prevOf('B', 0), positions.prevOf('C', 0)]).toEqual([null, 2, 4]);
    expect(positions.size).toBe(2);
  });
});
