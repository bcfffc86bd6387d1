import { compareDecimals, readBookRecord } from '@odin-ws/protocol';
import { describe, expect, it } from 'vitest';
import { seededRandom } from '../test-support/seeded-random.js';
import { instrumentFor } from './instruments.js';
import { L2_SNAPSHOT_EVERY_MS, MarketDataGenerator } from './market-data.js';

describe('MarketDataGenerator', () => {
  it('makes seed-format records for each kind with the producer timestamp', () => {
    const generator = new MarketDataGenerator(['BTC', 'ETH'], { books: 'full' });
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
    const generator = new MarketDataGenerator(['BTC'], { books: 'full' });
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

  it('publishes each book as an L2 feed a client can keep exactly: a snapshot, updates of the changed levels, a snapshot every 30 s', () => {
    const symbols = ['BTC', 'ETH', 'DOGE', 'PEPE'];
    const generator = new MarketDataGenerator(symbols, { random: seededRandom(11) });
    const books = new Map<string, { seq: number; bids: Map<string, string>; asks: Map<string, string> }>();
    const snapshots = new Map<string, number>();
    const changedLevels: number[] = [];
    let now = 1_700_000_000_000;
    for (let i = 0; i < 6000; i++) {
      now += 25; // 6,000 records over 150 s
      const kind = (['trade', 'book', 'ticker'] as const)[i % 3]!;
      const record = generator.next(kind, now);
      if (kind !== 'book') continue;
      const parsed = readBookRecord(JSON.parse(record.value));
      expect(parsed?.ok, record.value.slice(0, 120)).toBe(true);
      if (!parsed?.ok) continue;
      const book = parsed.record;
      if (book.type === 'BOOK_SNAPSHOT') {
        snapshots.set(record.key, (snapshots.get(record.key) ?? 0) + 1);
        books.set(record.key, { seq: book.seq, bids: new Map(book.bids), asks: new Map(book.asks) });
        expect([book.bids.length, book.asks.length]).toEqual([200, 200]);
        continue;
      }
      const held = books.get(record.key)!;
      expect(book.prevSeq).toBe(held.seq);
      changedLevels.push(book.bids.length + book.asks.length);
      for (const [side, levels] of [
        [held.bids, book.bids],
        [held.asks, book.asks],
      ] as const) {
        for (const [price, qty] of levels) Number(qty) === 0 ? side.delete(price) : side.set(price, qty);
      }
      held.seq = book.seq;
      // Every update leaves the copy equal to the generator's book, level for level, text for text.
      const { bids, asks } = generator.levelsOf(record.key);
      expect([...held.bids].sort(([a], [b]) => compareDecimals(b, a))).toEqual(bids);
      expect([...held.asks].sort(([a], [b]) => compareDecimals(a, b))).toEqual(asks);
    }
    // The changes travel, not the book: a few levels an update against 400 in a snapshot.
    const mean = changedLevels.reduce((a, b) => a + b, 0) / changedLevels.length;
    expect([mean > 1, mean < 20]).toEqual([true, true]);
    for (const symbol of symbols) {
      // At start and every 30 s: 150 s of records make 5 or 6 snapshots of a busy book.
      expect(snapshots.get(symbol), symbol).toBeGreaterThanOrEqual(150_000 / L2_SNAPSHOT_EVERY_MS);
      const held = books.get(symbol)!;
      const { tick, lot } = instrumentFor(symbol);
      const onGrid = (text: string, step: number) => Math.abs(Number(text) / step - Math.round(Number(text) / step)) < 1e-6;
      const bids = [...held.bids].sort(([a], [b]) => compareDecimals(b, a));
      const asks = [...held.asks].sort(([a], [b]) => compareDecimals(a, b));
      expect([bids.length, asks.length]).toEqual([200, 200]);
      expect(compareDecimals(bids[0]![0], asks[0]![0])).toBe(-1); // never crossed
      for (const [price, qty] of [...bids, ...asks]) {
        expect(onGrid(price, tick) && onGrid(qty, lot), `${symbol} ${price} ${qty}`).toBe(true);
        expect(Number(qty)).toBeGreaterThan(0);
      }
    }
  });

  it('makes BTC and ETH several times busier than the tail, with a trade id per symbol', () => {
    const generator = new MarketDataGenerator(['BTC', 'ETH', 'LINK', 'DOT'], { random: seededRandom(5) });
    const trades = new Map<string, number[]>();
    for (let i = 0; i < 4000; i++) {
      const record = generator.next('trade', i);
      const { tradeId } = JSON.parse(record.value).data as { tradeId: number };
      trades.set(record.key, [...(trades.get(record.key) ?? []), tradeId]);
    }
    const count = (symbol: string) => trades.get(symbol)!.length;
    expect(count('BTC') / count('LINK')).toBeGreaterThan(3);
    expect(count('ETH') / count('DOT')).toBeGreaterThan(2);
    for (const ids of trades.values()) expect(ids).toEqual(ids.map((_, i) => i + 1));
  });
});
