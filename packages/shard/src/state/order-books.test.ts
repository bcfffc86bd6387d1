import { crc32 } from 'node:zlib';
import type { BookRecord } from '@odin-ws/protocol';
import { describe, expect, it } from 'vitest';
import { OrderBooks } from './order-books.js';

const at = (offset: number) => ({ partition: 2, offset, ts: 5000 + offset, prev: null });
const snapshot = (seq: number, bids: Array<[string, string]>, asks: Array<[string, string]>): BookRecord => ({ type: 'BOOK_SNAPSHOT', seq, bids, asks });
const update = (seq: number, prevSeq: number, bids: Array<[string, string]>, asks: Array<[string, string]> = []): BookRecord => ({
  type: 'BOOK_UPDATE',
  seq,
  prevSeq,
  bids,
  asks,
});
const bookOf = (books: OrderBooks, channel = 'BTC.book') =>
  JSON.parse(books.latestAs(channel)!) as { data: { data: { bids: unknown; asks: unknown; seq: number } } };

describe('OrderBooks', () => {
  it('keeps each side sorted by exact decimal value, sets levels to their new quantity, and removes a zero', () => {
    const books = new OrderBooks(100);
    books.apply(
      'BTC.book',
      snapshot(
        1,
        [
          ['9.5', '1'],
          ['10.25', '2'],
          ['10.3', '0'],
        ],
        [
          ['11', '1'],
          ['10.5', '4'],
        ],
      ),
      'BTC',
      at(1),
    );
    expect(bookOf(books).data.data).toMatchObject({
      bids: [
        ['10.25', '2'],
        ['9.5', '1'],
      ],
      asks: [
        ['10.5', '4'],
        ['11', '1'],
      ],
    });
    expect(
      books.apply(
        'BTC.book',
        update(
          2,
          1,
          [
            ['10.250', '7'],
            ['10.3', '1'],
            ['9.5', '0.000'],
          ],
          [['10.50', '0']],
        ),
        'BTC',
        at(2),
      ),
    ).toMatchObject({
      kind: 'applied',
    });
    // A level keeps the text last published for it ("10.250" now).
    expect(bookOf(books).data.data).toMatchObject({
      seq: 2,
      bids: [
        ['10.3', '1'],
        ['10.250', '7'],
      ],
      asks: [['11', '1']],
    });
  });

  it('ignores a replay, turns stale on a gap or an update before any snapshot, and heals on the next snapshot', () => {
    const books = new OrderBooks(100);
    expect(books.apply('ETH.book', update(5, 4, [['1', '1']]), 'ETH', at(1))).toEqual({ kind: 'gap' });
    expect(books.isStale('ETH.book')).toBe(true);
    expect(books.latestAs('ETH.book')).toBeUndefined();
    // Its subscribers were told it is stale: the first snapshot heals it, as after a gap.
    expect(books.apply('ETH.book', snapshot(10, [['1', '1']], []), 'ETH', at(2))).toMatchObject({ kind: 'snapshot', healed: true });
    expect(books.apply('SOL.book', snapshot(1, [['1', '1']], []), 'SOL', at(2))).toMatchObject({ kind: 'snapshot', healed: false });
    expect(books.apply('ETH.book', update(10, 9, [['1', '2']]), 'ETH', at(3))).toEqual({ kind: 'replay' });
    expect(books.apply('ETH.book', update(12, 11, [['1', '2']]), 'ETH', at(4))).toEqual({ kind: 'gap' });
    expect(books.apply('ETH.book', update(13, 12, [['1', '2']]), 'ETH', at(5))).toEqual({ kind: 'stale' });
    expect(books.stats()).toEqual({ books: 2, levels: 2, stale: 1 });
    expect(books.apply('ETH.book', snapshot(20, [['1', '3']], []), 'ETH', at(6))).toMatchObject({ kind: 'snapshot', healed: true });
    expect(books.isStale('ETH.book')).toBe(false);
  });

  it('keeps at most --book-max-levels a side, dropping the deepest', () => {
    const books = new OrderBooks(3);
    const bids = Array.from({ length: 6 }, (_, i): [string, string] => [`${100 - i}`, '1']);
    expect(books.apply('SOL.book', snapshot(1, bids, []), 'SOL', at(1))).toMatchObject({ droppedLevels: 3 });
    expect(
      books.apply(
        'SOL.book',
        update(2, 1, [
          ['99.5', '1'],
          ['90', '1'],
        ]),
        'SOL',
        at(2),
      ),
    ).toMatchObject({ droppedLevels: 2 });
    expect(bookOf(books, 'SOL.book').data.data.bids).toEqual([
      ['100', '1'],
      ['99.5', '1'],
      ['99', '1'],
    ]);
  });

  it('refuses an update changing more than twice the levels a side keeps (stale until the next snapshot), and never grows a side past them', () => {
    const books = new OrderBooks(5000);
    books.apply('X.book', snapshot(1, [['1', '1']], [['2', '1']]), 'X', at(1));
    // 80,000 new levels (a hostile record within the 1 MB default): never applied one by one.
    const flood = Array.from({ length: 80_000 }, (_, i): [string, string] => [`0.${String(i).padStart(6, '0')}`, '1']);
    expect(books.apply('X.book', update(2, 1, flood), 'X', at(2))).toEqual({ kind: 'gap' });
    expect(books.isStale('X.book')).toBe(true);
    // At the limit it applies, and the side never holds more than it keeps.
    books.apply('X.book', snapshot(3, [['1', '1']], [['2', '1']]), 'X', at(3));
    expect(books.apply('X.book', update(4, 3, flood.slice(0, 10_000)), 'X', at(4))).toMatchObject({ kind: 'applied', droppedLevels: 5001 });
    expect(books.stats().levels).toBe(5001);
  });

  it('builds the snapshot envelope at the last applied position, with the checksum, under a variant name too', () => {
    const books = new OrderBooks(100);
    books.apply('BTC.book', snapshot(7, [['97250.1', '0.52']], [['97250.2', '1.5']]), 'BTC', at(41));
    const envelope = books.snapshotOf('BTC.book', 'BTC.book@250ms')!;
    expect(JSON.parse(envelope)).toEqual({
      type: 'price:update',
      snapshot: true,
      channel: 'BTC.book@250ms',
      pos: { partition: 2, offset: 41 },
      ts: 5041,
      prev: null,
      checksum: crc32('9725021597250152'), // "0.52" -> "052" -> "52"
      data: { type: 'BOOK_SNAPSHOT', timestamp: 5041, data: { symbol: 'BTC', seq: 7, bids: [['97250.1', '0.52']], asks: [['97250.2', '1.5']] } },
    });
  });
});
