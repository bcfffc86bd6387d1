import { ascending, type BookLevel, bookChecksum, descending, readBookRecord, setLevel } from '@odin-ws/protocol';

/** A maintained book as the SDK hands it to the app: sorted sides of decimal strings, at `seq`. */
export interface OrderBookView {
  channel: string;
  seq: number;
  /** Best (highest) first. */
  bids: readonly BookLevel[];
  /** Best (lowest) first. */
  asks: readonly BookLevel[];
}

/** Why a copy cannot go on: the caller starts it again from a snapshot (a `recovery` event BOOK_RESYNC). */
export type BookProblem = 'gap' | 'checksum' | 'invalid';

/**
 * The app's copy of a maintained book (docs/market-data.md): a BOOK_SNAPSHOT resets it; a
 * BOOK_UPDATE must follow it (`prevSeq` = its `seq`) and is applied level by level; after every
 * message the checksum is computed over the copy and compared with the envelope's. Any mismatch is
 * a problem, and the copy is never shown in that state.
 */
export class LocalBook {
  private bids: BookLevel[] = [];
  private asks: BookLevel[] = [];
  private seq = -1;

  constructor(readonly channel: string) {}

  /** Applies one envelope's `data` with its `checksum`; the view to show, or why the copy must start again. */
  apply(data: unknown, checksum: unknown): OrderBookView | BookProblem {
    const read = readBookRecord(data);
    if (read === undefined || !read.ok) return 'invalid';
    const { record } = read;
    if (record.type === 'BOOK_SNAPSHOT') {
      this.bids = [];
      this.asks = [];
      for (const level of record.bids) setLevel(this.bids, level, descending);
      for (const level of record.asks) setLevel(this.asks, level, ascending);
    } else {
      if (record.prevSeq !== this.seq) return 'gap';
      for (const level of record.bids) setLevel(this.bids, level, descending);
      for (const level of record.asks) setLevel(this.asks, level, ascending);
    }
    this.seq = record.seq;
    if (bookChecksum(this.asks, this.bids) !== checksum) return 'checksum';
    return { channel: this.channel, seq: this.seq, bids: [...this.bids], asks: [...this.asks] };
  }

  /** Forgets the copy: the next message must be a snapshot. */
  reset(): void {
    this.bids = [];
    this.asks = [];
    this.seq = -1;
  }
}
