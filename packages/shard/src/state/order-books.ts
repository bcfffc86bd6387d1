import { BOOK_CHECKSUM_LEVELS, type BookLevel, type BookRecord, bookChecksum, buildEnvelope, markSnapshot } from '@odin-ws/protocol';
import { BookSide } from './book-side.js';

/** What applying one record did to its book; only `snapshot` and `applied` are forwarded to anyone. */
export type BookOutcome =
  | { kind: 'snapshot' | 'applied'; checksum: number; healed: boolean; droppedLevels: number }
  /** seq at or below the book's: a record seen before (a replay after a rejoin, a producer retry). */
  | { kind: 'replay' }
  /** prevSeq is not the book's seq (or there is no book yet): the book is stale until the next snapshot. */
  | { kind: 'gap' }
  /** An update while stale: nothing can be applied until the next snapshot. */
  | { kind: 'stale' };

/** Where the last applied record sits in Kafka, its producer timestamp, and its envelope's `prev`. */
export interface AppliedAt {
  partition: number;
  offset: number;
  ts: number;
  prev: number | null;
}

/** Told of each level an applied update changes, with the level as it was (null: it was absent). */
export type LevelWatcher = (side: 'b' | 'a', price: string, before: BookLevel | null) => void;

/**
 * One maintained book: each side sorted best first (book-side.ts), each level the `[price,
 * quantity]` text as last published for it, ordered as exact decimals. Sorted arrays, not trees: at
 * most --book-max-levels a side, a binary search finds a level, and the top-N a checksum or a depth
 * needs is a slice.
 */
export class OrderBook {
  seq = -1;
  stale = true;
  readonly bids: BookSide;
  readonly asks: BookSide;
  symbol: unknown;
  at: AppliedAt = { partition: 0, offset: 0, ts: 0, prev: null };
  /** The lowest index (either side) the last record changed: the top N moved only if it is below N. */
  changedFrom = 0;
  private checksumOfTop = 0;

  constructor(maxLevelsPerSide: number) {
    this.bids = new BookSide(-1, maxLevelsPerSide);
    this.asks = new BookSide(1, maxLevelsPerSide);
  }

  get levels(): number {
    return this.bids.length + this.asks.length;
  }

  /** Levels dropped past --book-max-levels, over the book's life. */
  get droppedLevels(): number {
    return this.bids.dropped + this.asks.dropped;
  }

  /** The book's checksum (protocol's bookChecksum), recomputed only when the last record changed the top 10. */
  checksum(): number {
    return this.checksumOfTop;
  }

  /** After the sides changed: where from, and the checksum again if the top 10 moved. */
  settle(): void {
    this.changedFrom = Math.min(this.bids.touchedFrom(), this.asks.touchedFrom());
    if (this.changedFrom < BOOK_CHECKSUM_LEVELS) this.checksumOfTop = bookChecksum(this.asks.levels, this.bids.levels);
  }
}

/** A book's state as one BOOK_SNAPSHOT envelope under `name`, at `at`, with its checksum. */
export function bookSnapshotEnvelope(
  name: string,
  symbol: unknown,
  seq: number,
  at: AppliedAt,
  bids: readonly BookLevel[],
  asks: readonly BookLevel[],
): string {
  const dataJson = `{"type":"BOOK_SNAPSHOT","timestamp":${at.ts},"data":{${symbol === undefined ? '' : `"symbol":${JSON.stringify(symbol)},`}"seq":${seq},"bids":${JSON.stringify(bids)},"asks":${JSON.stringify(asks)}}}`;
  return buildEnvelope({ channel: name, partition: at.partition, offset: at.offset, ts: at.ts, prev: at.prev, checksum: bookChecksum(asks, bids), dataJson });
}

/**
 * Every maintained book of this shard, applied in Kafka order: a snapshot resets a book; an update
 * applies when its prevSeq is the book's seq, is ignored at or below it, and otherwise makes the book
 * stale, so nothing of it is forwarded until the next snapshot heals it. Every shard reads the same
 * records in the same order, so every shard holds the same book at the same position.
 */
export class OrderBooks {
  private readonly books = new Map<string, OrderBook>();
  constructor(private readonly maxLevelsPerSide: number) {}

  /**
   * Applies one record of `channel` (`symbol`: its data's symbol, echoed in snapshots built here);
   * `watcher` hears of each level an applied update changes (book-variants.ts).
   */
  apply(channel: string, record: BookRecord, symbol: unknown, at: AppliedAt, watcher?: LevelWatcher): BookOutcome {
    let book = this.books.get(channel);
    if (record.type === 'BOOK_SNAPSHOT') {
      // A book that was stale (after a gap, or updates before any snapshot) is healed: its subscribers
      // were told it is stale and start again from this snapshot, marked as one.
      const healed = book?.stale === true;
      book ??= new OrderBook(this.maxLevelsPerSide);
      this.books.set(channel, book);
      const droppedBefore = book.droppedLevels;
      book.bids.reset(record.bids);
      book.asks.reset(record.asks);
      book.settle();
      book.seq = record.seq;
      book.stale = false;
      book.symbol = symbol;
      book.at = at;
      return { kind: 'snapshot', checksum: book.checksum(), healed, droppedLevels: book.droppedLevels - droppedBefore };
    }
    if (book === undefined) {
      // An update before any snapshot this shard has read: stale until one comes.
      book = new OrderBook(this.maxLevelsPerSide);
      this.books.set(channel, book);
      return { kind: 'gap' };
    }
    if (record.seq <= book.seq && !book.stale) return { kind: 'replay' };
    if (book.stale) return { kind: 'stale' };
    // An update changing more than twice the levels a side keeps is no incremental update of this
    // book: refused like a gap (stale until the next snapshot) rather than applied level by level.
    const changeLimit = 2 * this.maxLevelsPerSide;
    if (record.prevSeq !== book.seq || record.bids.length > changeLimit || record.asks.length > changeLimit) {
      book.stale = true;
      return { kind: 'gap' };
    }
    const droppedBefore = book.droppedLevels;
    for (const level of record.bids) {
      const before = book.bids.set(level);
      watcher?.('b', level[0], before);
    }
    for (const level of record.asks) {
      const before = book.asks.set(level);
      watcher?.('a', level[0], before);
    }
    book.settle();
    book.seq = record.seq;
    book.at = at;
    return { kind: 'applied', checksum: book.checksum(), healed: false, droppedLevels: book.droppedLevels - droppedBefore };
  }

  /** Whether `channel` is a maintained book (a book record was seen on it). */
  has(channel: string): boolean {
    return this.books.has(channel);
  }

  isStale(channel: string): boolean {
    return this.books.get(channel)?.stale === true;
  }

  /**
   * The book as one BOOK_SNAPSHOT envelope under `name` (the channel, or a rate variant of it), at the
   * position of the last record applied, with its checksum: undefined while stale or never built.
   * Built on demand (a subscribe, a variant's tick), never per record.
   */
  latestAs(channel: string, name: string = channel): string | undefined {
    const book = this.live(channel);
    return book === undefined ? undefined : bookSnapshotEnvelope(name, book.symbol, book.seq, book.at, book.bids.levels, book.asks.levels);
  }

  /**
   * The book's top `depth` levels a side as one BOOK_SNAPSHOT envelope under `name` (the channel or a
   * variant), at the last record applied; its checksum is the book's (it covers the top 10 only).
   * Its `prev` is null: each top-N message replaces the last whole, so none follows another.
   * Undefined while stale or never built.
   */
  depthAs(channel: string, depth: number, name: string = channel): string | undefined {
    const book = this.live(channel);
    if (book === undefined) return undefined;
    return bookSnapshotEnvelope(name, book.symbol, book.seq, { ...book.at, prev: null }, book.bids.top(depth), book.asks.top(depth));
  }

  /** The book's top `depth` levels a side (bids, asks), or undefined while stale or never built. */
  topLevels(channel: string, depth: number): [BookLevel[], BookLevel[]] | undefined {
    const book = this.live(channel);
    return book === undefined ? undefined : [book.bids.top(depth), book.asks.top(depth)];
  }

  /** The book of `channel` while it is live (built, not stale): for what is derived from it (book-variants.ts). */
  live(channel: string): OrderBook | undefined {
    const book = this.books.get(channel);
    return book === undefined || book.stale ? undefined : book;
  }

  /** latestAs, marked `"snapshot":true`: what a subscriber is sent first. */
  snapshotOf(channel: string, name: string = channel): string | undefined {
    const envelope = this.latestAs(channel, name);
    return envelope === undefined ? undefined : markSnapshot(envelope);
  }

  stats(): { books: number; levels: number; stale: number } {
    let levels = 0;
    let stale = 0;
    for (const book of this.books.values()) {
      levels += book.levels;
      if (book.stale) stale++;
    }
    return { books: this.books.size, levels, stale };
  }
}
