import { describe, expect, it } from 'vitest';
import { bookChecksum, compareDecimals, crc32, decimalKey, isZeroQuantity, readBookRecord } from './book.js';

describe('readBookRecord', () => {
  it('reads snapshots and updates, and leaves every other record type alone', () => {
    expect(readBookRecord({ type: 'BOOK_SNAPSHOT', timestamp: 1, data: { symbol: 'BTC', seq: 7, bids: [['97250.1', '0.52']], asks: [] } })).toEqual({
      ok: true,
      record: { type: 'BOOK_SNAPSHOT', seq: 7, bids: [['97250.1', '0.52']], asks: [] },
    });
    expect(readBookRecord({ type: 'BOOK_UPDATE', data: { seq: 9, prevSeq: 7, bids: [['97250.1', '0']] } })).toEqual({
      ok: true,
      record: { type: 'BOOK_UPDATE', seq: 9, prevSeq: 7, bids: [['97250.1', '0']], asks: [] },
    });
    for (const other of [{ type: 'ORDERBOOK_UPDATE', data: { bids: [[1, 2]] } }, { type: 'TICKER' }, null, 'text', 42])
      expect(readBookRecord(other)).toBeUndefined();
  });

  it.each([
    ['no data', { type: 'BOOK_SNAPSHOT' }],
    ['a float price', { type: 'BOOK_SNAPSHOT', data: { seq: 1, bids: [[97250.1, '1']] } }],
    ['an exponent', { type: 'BOOK_SNAPSHOT', data: { seq: 1, bids: [['1e5', '1']] } }],
    ['a negative quantity', { type: 'BOOK_SNAPSHOT', data: { seq: 1, asks: [['1', '-1']] } }],
    ['a level of one value', { type: 'BOOK_SNAPSHOT', data: { seq: 1, asks: [['1']] } }],
    ['a seq that is not a whole number', { type: 'BOOK_SNAPSHOT', data: { seq: 1.5, bids: [] } }],
    ['an update without prevSeq', { type: 'BOOK_UPDATE', data: { seq: 2, bids: [] } }],
    ['an update whose prevSeq is not before its seq', { type: 'BOOK_UPDATE', data: { seq: 2, prevSeq: 2 } }],
    ['bids that are not a list', { type: 'BOOK_UPDATE', data: { seq: 2, prevSeq: 1, bids: {} } }],
    ['a 50-digit price', { type: 'BOOK_SNAPSHOT', data: { seq: 1, bids: [['1'.repeat(50), '1']] } }],
  ])('refuses %s as invalid_book', (_label, value) => {
    expect(readBookRecord(value)).toEqual({ ok: false, reason: 'invalid_book' });
  });
});

describe('decimals', () => {
  it('orders by value exactly, and keys each value one way', () => {
    const sorted = ['0.000001', '0.5', '0.50001', '9', '10', '10.05', '97250.1', '97250.10001', '123456789012345678901234567890'];
    const shuffled = [...sorted].reverse();
    expect(shuffled.sort(compareDecimals)).toEqual(sorted);
    expect(compareDecimals('97250.10', '97250.1')).toBe(0);
    expect(compareDecimals('0097250.1', '97250.1')).toBe(0);
    expect([decimalKey('097250.100'), decimalKey('5.'.slice(0, 1)), decimalKey('0.0'), decimalKey('00.50')]).toEqual(['97250.1', '5', '0', '0.5']);
    expect(['0', '0.0', '000.000'].every(isZeroQuantity)).toBe(true);
    expect(['0.0001', '1', '10'].some(isZeroQuantity)).toBe(false);
  });
});

describe('bookChecksum', () => {
  it("is zlib's CRC-32 (references computed with Python's zlib.crc32)", () => {
    expect(crc32('123456789')).toBe(3421780262);
    expect(crc32('')).toBe(0);
  });

  it("is Kraken's v2 book checksum: asks ascending then bids descending, points and leading zeros gone", () => {
    // Kraken's documented formatting: "45285.2" -> "452852", "0.00100000" -> "100000".
    const asks = [
      ['45285.2', '0.00100000'],
      ['45286.4', '1.54571953'],
    ] as const;
    const bids = [['45283.5', '0.00100000']] as const;
    expect(bookChecksum(asks, bids)).toBe(1638649418); // zlib.crc32(b"452852100000452864154571953452835100000")
  });

  it('covers the top 10 levels a side only', () => {
    const side = (from: number) => Array.from({ length: 12 }, (_, i) => [`${from + i}.5`, '1'] as const);
    const asks = side(100);
    const bids = side(50).reverse();
    expect(bookChecksum(asks, bids)).toBe(bookChecksum(asks.slice(0, 10), bids.slice(0, 10)));
    expect(bookChecksum(asks, bids)).not.toBe(bookChecksum(asks.slice(1), bids));
  });
});
