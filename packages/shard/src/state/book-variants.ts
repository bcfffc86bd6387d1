import { ascending, type BookLevel, buildEnvelope, decimalKey, descending, markSnapshot, setLevel } from '@odin-ws/protocol';
import { type AppliedAt, bookSnapshotEnvelope, type LevelWatcher, type OrderBooks } from './order-books.js';

/** One rate variant of one book: what it sent last, and each level as it was then, for those changed since. */
interface VariantState {
  /** The seq and position of the variant's last message (or of the book when the first subscriber came). */
  seq: number;
  at: AppliedAt;
  /** Per changed level (`b:`/`a:` + its price's decimal key): the level as the last message left it, null if absent. */
  before: Map<string, BookLevel | null>;
  /** The book was reset (a snapshot healed it): the next message is the whole book. */
  reset: boolean;
}

/**
 * Rate variants of maintained books (`BTC.book@250ms`), merged, never lossy: once per interval when
 * the book changed, one BOOK_UPDATE holding every level that changed since the variant's previous
 * message (its latest quantity, "0" if gone), `seq` the last update included, `prevSeq` the previous
 * message's seq, and the book's checksum. Computed once per channel and interval, whatever the number
 * of subscribers: each change records, per variant in use, the level as it was before (its first
 * change since the last message only), which gives both the merged message (the levels now) and a new
 * subscriber's snapshot (the book as the variant's last message left it: its next message continues
 * exactly from there).
 */
export class BookVariants {
  /** channel -> interval (ms) -> state; a variant is tracked from its first subscriber on. */
  private readonly variants = new Map<string, Map<number, VariantState>>();
  /** Per channel with a variant in use, its watcher: made once, not per record applied. */
  private readonly watchers = new Map<string, LevelWatcher>();

  constructor(private readonly books: OrderBooks) {}

  /**
   * What hears of each level an update of `channel` changes, with the level as it was: recorded per
   * variant in use (its first change since the variant's last message only). Undefined when no
   * variant of the channel is in use, so a book nobody takes at a rate costs nothing here.
   */
  watcherFor(channel: string): LevelWatcher | undefined {
    return this.watchers.get(channel);
  }

  /** A snapshot reset the book: every variant's next message is the whole book. */
  reset(channel: string): void {
    for (const state of this.variants.get(channel)?.values() ?? []) {
      state.reset = true;
      state.before.clear();
    }
  }

  /**
   * What a new subscriber of the variant starts from: the book as the variant's last message left it
   * (marked a snapshot), so the variant's next message applies to it. Starts tracking the variant.
   */
  snapshotOf(channel: string, intervalMs: number, name: string): string | undefined {
    const book = this.books.live(channel);
    if (book === undefined) return undefined;
    const state = this.stateOf(channel, intervalMs, book.seq, book.at);
    if (state.reset) {
      // The variant's next message is the whole book anyway: start there.
      Object.assign(state, { reset: false, seq: book.seq, at: book.at });
      state.before.clear();
      return markSnapshot(bookSnapshotEnvelope(name, book.symbol, book.seq, book.at, book.bids.levels, book.asks.levels));
    }
    const bids = [...book.bids.levels];
    const asks = [...book.asks.levels];
    for (const [key, level] of state.before) {
      const price = key.slice(2);
      const side = key[0] === 'b' ? bids : asks;
      setLevel(side, level ?? [price, '0'], key[0] === 'b' ? descending : ascending);
    }
    return markSnapshot(bookSnapshotEnvelope(name, book.symbol, state.seq, state.at, bids, asks));
  }

  /** The variant's message for this tick, or undefined when the book did not change since its last one. */
  next(channel: string, intervalMs: number, name: string): string | undefined {
    const book = this.books.live(channel);
    const state = this.variants.get(channel)?.get(intervalMs);
    if (book === undefined || state === undefined) return undefined;
    if (state.reset) {
      Object.assign(state, { reset: false, seq: book.seq, at: book.at });
      return markSnapshot(bookSnapshotEnvelope(name, book.symbol, book.seq, book.at, book.bids.levels, book.asks.levels));
    }
    if (state.before.size === 0 || book.seq === state.seq) return undefined;
    const bids: BookLevel[] = [];
    const asks: BookLevel[] = [];
    for (const [key, was] of state.before) {
      const side = key[0] === 'b' ? book.bids : book.asks;
      const price = was?.[0] ?? key.slice(2);
      (key[0] === 'b' ? bids : asks).push(side.get(price) ?? [price, '0']);
    }
    const dataJson = `{"type":"BOOK_UPDATE","timestamp":${book.at.ts},"data":{${book.symbol === undefined ? '' : `"symbol":${JSON.stringify(book.symbol)},`}"seq":${book.seq},"prevSeq":${state.seq},"bids":${JSON.stringify(bids)},"asks":${JSON.stringify(asks)}}}`;
    const envelope = buildEnvelope({
      channel: name,
      partition: book.at.partition,
      offset: book.at.offset,
      ts: book.at.ts,
      // The variant's previous message, not the book's previous record: what this stream's subscribers hold.
      prev: state.at.partition === book.at.partition ? state.at.offset : null,
      checksum: book.checksum(),
      dataJson,
    });
    Object.assign(state, { seq: book.seq, at: book.at });
    state.before.clear();
    return envelope;
  }

  private stateOf(channel: string, intervalMs: number, seq: number, at: AppliedAt): VariantState {
    let states = this.variants.get(channel);
    if (states === undefined) {
      const held = new Map<number, VariantState>();
      states = held;
      this.variants.set(channel, held);
      this.watchers.set(channel, (side, price, before) => {
        const key = `${side}:${decimalKey(price)}`;
        for (const state of held.values()) if (!state.reset && !state.before.has(key)) state.before.set(key, before);
      });
    }
    let state = states.get(intervalMs);
    if (state === undefined) {
      state = { seq, at, before: new Map(), reset: false };
      states.set(intervalMs, state);
    }
    return state;
  }
}
