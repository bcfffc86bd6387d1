import { crc32 } from 'node:zlib';

// Both ends of a maintained book as docs/market-data.md describes them, written from that page alone: a
// producer publishing a book as incremental updates, and a client keeping its own copy and checking each
// checksum with node:zlib's crc32 (not odin-ws's code), as a client in another language would.

type Side = Map<string, string>;

/** The producer's book: prices on a 0.1 tick, quantities as decimal strings, a seq per change. */
export class ProducerBook {
  readonly bids: Side = new Map();
  readonly asks: Side = new Map();
  seq = 0;
  /** The book at each seq it published (sides as sorted text), when asked to remember. */
  readonly history = new Map<number, string>();
  private state = 7;

  constructor(
    readonly symbol = 'OB',
    private readonly remember = false,
  ) {
    for (let i = 1; i <= 50; i++) {
      this.bids.set(price(9700 - i), quantity(i));
      this.asks.set(price(9700 + i), quantity(i + 3));
    }
    this.keep();
  }

  snapshot(timestamp = Date.now()): string {
    return JSON.stringify({ type: 'BOOK_SNAPSHOT', timestamp, data: { symbol: this.symbol, seq: this.seq, bids: [...this.bids], asks: [...this.asks] } });
  }

  /** A few levels changed: new sizes, removals, levels added deeper. */
  update(prevSeq = this.seq, timestamp = Date.now()): string {
    const changes: { bids: Array<[string, string]>; asks: Array<[string, string]> } = { bids: [], asks: [] };
    for (let i = 0; i < 3; i++) {
      const sideName = this.next() % 2 === 0 ? 'bids' : 'asks';
      const side = this[sideName];
      const ticks = sideName === 'bids' ? 9700 - 1 - (this.next() % 60) : 9700 + 1 + (this.next() % 60);
      const level = price(ticks);
      const size = this.next() % 5 === 0 ? '0' : quantity(1 + (this.next() % 40));
      if (size === '0') side.delete(level);
      else side.set(level, size);
      changes[sideName].push([level, size]);
    }
    this.seq += 1;
    this.keep();
    return JSON.stringify({ type: 'BOOK_UPDATE', timestamp, data: { symbol: this.symbol, seq: this.seq, prevSeq, ...changes } });
  }

  private keep(): void {
    if (this.remember) this.history.set(this.seq, bookText(this.bids, this.asks));
  }

  private next(): number {
    this.state = (this.state * 1103515245 + 12345) % 2147483648;
    return this.state >>> 8;
  }
}

const price = (ticks: number) => `${Math.floor(ticks / 10)}.${ticks % 10}`;
const quantity = (n: number) => `${Math.floor(n / 4)}.${(n % 4) * 25}`.replace(/\.0$/, '.00');

/** A side as [price, quantity] pairs in ascending price order: what two books are compared by. */
export const sorted = (side: Side) => [...side].sort(([a], [b]) => Number(a) - Number(b));

/** Both sides as one text, for comparing a book at a seq. */
export const bookText = (bids: Side, asks: Side) => JSON.stringify([sorted(bids), sorted(asks)]);

/** A client's copy, maintained as docs/market-data.md says; sides kept as price -> quantity text. */
export class ClientBook {
  bids: Side = new Map();
  asks: Side = new Map();
  seq = -1;
  checksumsChecked = 0;
  readonly problems: string[] = [];

  apply(envelope: Record<string, unknown>): void {
    const record = envelope['data'] as {
      type: string;
      data: { seq: number; prevSeq?: number; bids?: Array<[string, string]>; asks?: Array<[string, string]> };
    };
    const { data } = record;
    if (record.type === 'BOOK_SNAPSHOT') {
      this.bids = new Map(data.bids ?? []);
      this.asks = new Map(data.asks ?? []);
    } else {
      if (data.prevSeq !== this.seq) this.problems.push(`seq ${data.seq}: prevSeq ${data.prevSeq}, held ${this.seq}`);
      for (const [level, size] of data.bids ?? []) Number(size) === 0 ? this.bids.delete(level) : this.bids.set(level, size);
      for (const [level, size] of data.asks ?? []) Number(size) === 0 ? this.asks.delete(level) : this.asks.set(level, size);
    }
    this.seq = data.seq;
    if (this.checksum() !== envelope['checksum']) this.problems.push(`seq ${data.seq}: checksum ${this.checksum()}, envelope ${String(envelope['checksum'])}`);
    this.checksumsChecked++;
  }

  checksum(): number {
    const digits = (text: string) => text.replace('.', '').replace(/^0+/, '');
    const top = (side: Side, descending: boolean) =>
      [...side]
        .sort(([a], [b]) => (descending ? Number(b) - Number(a) : Number(a) - Number(b)))
        .slice(0, 10)
        .map(([level, size]) => digits(level) + digits(size))
        .join('');
    return crc32(top(this.asks, false) + top(this.bids, true));
  }
}
