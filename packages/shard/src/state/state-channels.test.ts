import { describe, expect, it } from 'vitest';
import { isBookRecordValue, StateChannels } from './state-channels.js';

describe('StateChannels', () => {
  it('names state channels by their event part, rate variants by the channel they conflate, and none when the list is empty', () => {
    const state = new StateChannels(['ticker', 'book']);
    const names = ['BTC.ticker', 'a.b.book', 'BTC.trade', 'BTC.tickers', 'book', 'SOL.book@1000ms', 'SOL.trade@1000ms', 'SOL.book@7ms'];
    expect(names.map((name) => state.has(name))).toEqual([true, true, false, false, false, true, false, false]);
    expect(state.enabled).toBe(true);
    expect([state.hasEvent('book'), state.hasEvent('trade')]).toEqual([true, false]);
    const none = new StateChannels([]);
    expect([none.enabled, none.has('BTC.ticker'), none.hasEvent('ticker')]).toEqual([false, false, false]);
  });

  it('reads state topics from --state-lookback back, the incremental partitions of a book topic from --book-lookback, and no other topic', () => {
    const events: Record<string, string> = { 'odin.orderbooks': 'book', 'odin.tickers': 'ticker', 'odin.trades': 'trade' };
    const lookbacks = new StateChannels(['ticker', 'book']).lookbacks(Object.keys(events), (topic) => events[topic]!, {
      lookbackMs: 3_600_000,
      bookLookbackMs: 60_000,
    });
    expect(Object.fromEntries(lookbacks)).toEqual({
      'odin.orderbooks': { lookbackMs: 3_600_000, incremental: { lookbackMs: 60_000, isIncremental: isBookRecordValue } },
      'odin.tickers': { lookbackMs: 3_600_000 },
    });
    // A partition is incremental when the first record read of it is a maintained book's.
    const value = (record: unknown) => Buffer.from(JSON.stringify(record));
    expect(
      [
        value({ type: 'BOOK_SNAPSHOT', data: {} }),
        value({ type: 'BOOK_UPDATE', data: {} }),
        value({ type: 'ORDERBOOK_UPDATE', data: {} }),
        Buffer.from('{not json'),
        null,
      ].map(isBookRecordValue),
    ).toEqual([true, true, false, false, false]);
    const tickersOnly = new StateChannels(['ticker']).lookbacks(Object.keys(events), (topic) => events[topic]!, { lookbackMs: 1, bookLookbackMs: 2 });
    expect([...tickersOnly.keys()]).toEqual(['odin.tickers']);
  });
});
