import { describe, expect, it } from 'vitest';
import { MarketDataGenerator } from './market-data.js';

describe('MarketDataGenerator', () => {
  it('makes seed-format records for each kind with the producer timestamp', () => {
    const generator = new MarketDataGenerator(['BTC', 'ETH']);
    for (const [kind, type] of [
      ['trade', 'TRADE_EXECUTED'],
      ['ticker', 'TICKER'],
      ['book', 'ORDERBOOK_UPDATE'],
    ] as const) {
      const record = generator.next(kind, 1_700_000_000_000);
      expect(['BTC', 'ETH']).toContain(record.key);
      const value = JSON.parse(record.value);
      expect(value).toMatchObject({ type, timestamp: 1_700_000_000_000, data: { symbol: record.key } });
    }
  });

  it('keeps trade records near the seed size of about 200 bytes', () => {
    const record = new MarketDataGenerator(['BTC']).next('trade', Date.now());
    expect(Buffer.byteLength(record.value)).toBeGreaterThan(80);
    expect(Buffer.byteLength(record.value)).toBeLessThan(300);
  });

  it('trades at the book, near realistic levels, with a ticker that agrees and a book whose seq rises', () => {
    const generator = new MarketDataGenerator(['BTC']);
    let lastBook: { seq: number; bids: number[][]; asks: number[][] } | undefined;
    for (let i = 0; i < 3000; i++) {
      const kind = (['trade', 'ticker', 'book'] as const)[i % 3]!;
      const { data } = JSON.parse(generator.next(kind, i).value);
      if (kind === 'book') {
        if (lastBook) expect(data.seq).toBe(lastBook.seq + 1);
        lastBook = data;
      }
      if (kind === 'trade') expect(data.price).toBeGreaterThan(90_000);
      if (kind === 'trade') expect(data.price).toBeLessThan(105_000);
      if (kind === 'ticker') {
        expect(data.bid).toBeLessThan(data.ask);
        expect(data.low24h).toBeLessThanOrEqual(data.last);
        expect(data.high24h).toBeGreaterThanOrEqual(data.last);
      }
    }
    // A BTC book quotes a tenth of a dollar apart at the top.
    expect(lastBook!.asks[0]![0]! - lastBook!.bids[0]![0]!).toBeLessThan(5);
  });

  it('maps topic names to record kinds', () => {
    expect(MarketDataGenerator.kindOfTopic('odin.trades')).toBe('trade');
    expect(MarketDataGenerator.kindOfTopic('odin.tickers')).toBe('ticker');
    expect(MarketDataGenerator.kindOfTopic('odin.orderbooks')).toBe('book');
  });
});
