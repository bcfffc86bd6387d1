import type { BookLevel, BookRecord } from '@odin-ws/protocol';
import { describe, expect, it } from 'vitest';
import { BookVariants } from './book-variants.js';
import { OrderBooks } from './order-books.js';

// A variant's subscriber, applying what it is sent as docs/market-data.md says, must hold the book
// exactly as the shard does at each message's seq.

const at = (offset: number) => ({ partition: 0, offset, ts: offset, prev: null });

function setup() {
  const books = new OrderBooks(1000);
  const variants = new BookVariants(books);
  let seq = 0;
  const apply = (record: BookRecord) => {
    const outcome = books.apply('X.book', record, 'X', at(record.seq), variants.watcherFor('X.book'));
    if (outcome.kind === 'snapshot') variants.reset('X.book');
    return outcome;
  };
  apply({
    type: 'BOOK_SNAPSHOT',
    seq: 0,
    bids: [
      ['10', '1'],
      ['9', '1'],
    ],
    asks: [
      ['11', '1'],
      ['12', '1'],
    ],
  });
  const update = (bids: BookLevel[], asks: BookLevel[] = []) => {
    seq++;
    return apply({ type: 'BOOK_UPDATE', seq, prevSeq: seq - 1, bids, asks });
  };
  return { books, variants, update, apply, seq: () => seq };
}

/** A subscriber's copy: sides as price -> quantity. */
class Copy {
  bids = new Map<string, string>();
  asks = new Map<string, string>();
  seq = -1;
  apply(envelope: string): void {
    const { data } = JSON.parse(envelope) as { data: { type: string; data: { seq: number; prevSeq?: number; bids: BookLevel[]; asks: BookLevel[] } } };
    if (data.type === 'BOOK_SNAPSHOT') {
      this.bids = new Map(data.data.bids);
      this.asks = new Map(data.data.asks);
    } else {
      expect(data.data.prevSeq).toBe(this.seq);
      for (const [price, quantity] of data.data.bids) quantity === '0' ? this.bids.delete(price) : this.bids.set(price, quantity);
      for (const [price, quantity] of data.data.asks) quantity === '0' ? this.asks.delete(price) : this.asks.set(price, quantity);
    }
    this.seq = data.data.seq;
  }
  equals(books: OrderBooks): void {
    const { data } = JSON.parse(books.latestAs('X.book')!) as { data: { data: { bids: BookLevel[]; asks: BookLevel[] } } };
    expect([...this.bids].sort()).toEqual([...data.data.bids].sort());
    expect([...this.asks].sort()).toEqual([...data.data.asks].sort());
  }
}

describe('BookVariants', () => {
  it('sends one merged update per tick with every changed level at its latest quantity, applying exactly to the previous message', () => {
    const { books, variants, update } = setup();
    const copy = new Copy();
    copy.apply(variants.snapshotOf('X.book', 250, 'X.book@250ms')!);
    update([['10', '2']]);
    update([
      ['10', '3'],
      ['8', '1'],
    ]);
    update(
      [['8', '0']],
      [
        ['11', '0'],
        ['11.5', '4'],
      ],
    );
    const message = variants.next('X.book', 250, 'X.book@250ms')!;
    expect(JSON.parse(message).data.data).toMatchObject({ seq: 3, prevSeq: 0 });
    copy.apply(message);
    copy.equals(books);
    expect(variants.next('X.book', 250, 'X.book@250ms')).toBeUndefined(); // nothing changed since
    update([['9', '5']]);
    copy.apply(variants.next('X.book', 250, 'X.book@250ms')!);
    copy.equals(books);
  });

  it("starts a subscriber who comes between ticks from the book as the variant's last message left it", () => {
    const { books, variants, update } = setup();
    const first = new Copy();
    first.apply(variants.snapshotOf('X.book', 250, 'X.book@250ms')!);
    update([['10', '7']], [['12', '0']]);
    // Between ticks: the book is at seq 1, the variant still at seq 0.
    const late = new Copy();
    const snapshot = variants.snapshotOf('X.book', 250, 'X.book@250ms')!;
    expect(JSON.parse(snapshot)).toMatchObject({ snapshot: true, data: { data: { seq: 0 } } });
    late.apply(snapshot);
    update([['9', '0']]);
    const message = variants.next('X.book', 250, 'X.book@250ms')!;
    for (const copy of [first, late]) {
      copy.apply(message);
      copy.equals(books);
    }
  });

  it('sends the whole book, marked a snapshot, after a snapshot reset the book', () => {
    const { variants, apply, books } = setup();
    variants.snapshotOf('X.book', 1000, 'X.book@1000ms');
    apply({ type: 'BOOK_SNAPSHOT', seq: 50, bids: [['5', '5']], asks: [] });
    const message = JSON.parse(variants.next('X.book', 1000, 'X.book@1000ms')!);
    expect(message).toMatchObject({ snapshot: true, data: { type: 'BOOK_SNAPSHOT', data: { seq: 50, bids: [['5', '5']] } } });
    const copy = new Copy();
    copy.apply(JSON.stringify(message));
    copy.equals(books);
  });
});
