import { describe, expect, it } from 'vitest';
import { OrderBooks } from '../state/index.js';
import { BookDepthPublisher } from './book-depths.js';

// The publisher with real books and a fake topic tree that records each publish.

function setup(subscribers: Record<string, number>) {
  const books = new OrderBooks(1000);
  const published: Array<{ topic: string; data: { data: { seq: number; bids: unknown[]; asks: unknown[] } }; channel: string }> = [];
  const app = {
    numSubscribers: (topic: string) => subscribers[topic] ?? 0,
    publish: (topic: string, frame: string | Buffer) => {
      const envelope = JSON.parse(String(frame));
      published.push({ topic, data: envelope.data, channel: envelope.channel });
      return true;
    },
  };
  const depths = new BookDepthPublisher(app, books, () => true);
  const bids = Array.from({ length: 30 }, (_, i): [string, string] => [`${100 - i}`, '1']);
  books.apply('X.book', { type: 'BOOK_SNAPSHOT', seq: 1, bids, asks: [['101', '1']] }, 'X', { partition: 0, offset: 1, ts: 1, prev: null });
  const update = (seq: number, price: string, quantity: string) =>
    books.apply('X.book', { type: 'BOOK_UPDATE', seq, prevSeq: seq - 1, bids: [[price, quantity]], asks: [] }, 'X', {
      partition: 0,
      offset: seq,
      ts: seq,
      prev: seq - 1,
    });
  return { depths, published, update };
}

describe('BookDepthPublisher', () => {
  it('sends the top N only when those levels changed, to each depth someone holds', () => {
    const { depths, published, update } = setup({ 'X.book|depth10': 2, 'X.book|depth25': 1 });
    depths.published('X.book');
    expect(published.map(({ topic, data }) => [topic, data.data.bids.length])).toEqual([
      ['X.book|depth10', 10],
      ['X.book|depth25', 25],
    ]);
    update(2, '80', '5'); // the 21st level: only depth 25 sees it
    depths.published('X.book');
    expect(published.slice(2).map(({ topic, data }) => [topic, data.data.seq])).toEqual([['X.book|depth25', 2]]);
    update(3, '100', '2'); // the best bid: both
    depths.published('X.book');
    expect(published.slice(3).map(({ topic }) => topic)).toEqual(['X.book|depth10', 'X.book|depth25']);
  });

  it("names a variant's depth messages after the variant, on the variant's depth topic", () => {
    const { depths, published } = setup({ 'X.book@250ms|depth100': 1 });
    depths.published('X.book@250ms');
    expect(published.map(({ topic, channel, data }) => [topic, channel, data.data.bids.length])).toEqual([['X.book@250ms|depth100', 'X.book@250ms', 30]]);
  });
});
