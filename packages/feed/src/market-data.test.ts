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

  it('maps topic names to record kinds', () => {
    expect(MarketDataGenerator.kindOfTopic('odin.trades')).toBe('trade');
    expect(MarketDataGenerator.kindOfTopic('odin.tickers')).toBe('ticker');
    expect(MarketDataGenerator.kindOfTopic('odin.orderbooks')).toBe('book');
  });
});
