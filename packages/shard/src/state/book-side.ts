import { type BookLevel, compareDecimals, isZeroQuantity } from '@odin-ws/protocol';

/**
 * One side of a maintained book, best first (bids descending, asks ascending): each level the
 * `[price, quantity]` text as last published for it. Beside the levels, each price as a double in
 * one contiguous Float64Array (negated for bids, so both sides ascend), which is all the binary
 * search reads. Why: between two records the fan-out evicts the book from the cache, and a search
 * over the levels themselves reads a level array and its price string cold at every step; over the
 * doubles the steps share a handful of cache lines. A double orders decimals monotonically but can tie
 * two distinct ones past ~15 significant digits, so equal doubles are settled by exact comparison of
 * the text: the book is ordered and keyed by exact decimals, never by floats.
 */
export class BookSide {
  levels: BookLevel[] = [];
  private keys = new Float64Array(64);
  /** The lowest index changed since touchedFrom() was last read: whether the top N moved. */
  private touched = Number.POSITIVE_INFINITY;

  /** Levels dropped past `maxLevels` (deeper than the side keeps), over its life. */
  dropped = 0;

  constructor(
    /** 1 for asks (ascending), -1 for bids (descending). */
    private readonly sign: 1 | -1,
    /** The most levels kept (--book-max-levels): a level deeper is dropped, never inserted. */
    private readonly maxLevels: number = Number.POSITIVE_INFINITY,
  ) {}

  get length(): number {
    return this.levels.length;
  }

  /** Replaces the whole side (a BOOK_SNAPSHOT): zero quantities dropped, sorted best first, the deepest past maxLevels dropped. */
  reset(levels: readonly BookLevel[]): void {
    this.levels = levels.filter(([, quantity]) => !isZeroQuantity(quantity)).sort((a, b) => this.exact(a[0], b[0]));
    if (this.levels.length > this.maxLevels) {
      this.dropped += this.levels.length - this.maxLevels;
      this.levels.length = this.maxLevels;
    }
    this.keys = new Float64Array(Math.max(64, this.levels.length * 2));
    for (let i = 0; i < this.levels.length; i++) this.keys[i] = this.keyOf(this.levels[i]![0]);
    this.touched = 0;
  }

  /** The level at `price` (any spelling of the same value), or undefined. */
  get(price: string): BookLevel | undefined {
    const index = this.indexOf(price);
    return index >= 0 ? this.levels[index] : undefined;
  }

  /** Sets one level to its new absolute quantity ("0" removes it); returns the level it replaced, or null. */
  set(level: BookLevel): BookLevel | null {
    const index = this.indexOf(level[0]);
    if (isZeroQuantity(level[1])) {
      if (index < 0) return null;
      const [removed] = this.levels.splice(index, 1);
      this.keys.copyWithin(index, index + 1, this.levels.length + 1);
      this.touch(index);
      return removed!;
    }
    if (index >= 0) {
      const replaced = this.levels[index]!;
      this.levels[index] = level;
      this.touch(index);
      return replaced;
    }
    const at = -index - 1;
    // Deeper than the side keeps: dropped at once. Why here and not after the record: a hostile
    // update of 80,000 new levels would otherwise grow the side and move it 80,000 times.
    if (at >= this.maxLevels) {
      this.dropped++;
      return null;
    }
    if (this.levels.length === this.maxLevels) {
      this.levels.pop();
      this.dropped++;
    }
    if (this.levels.length === this.keys.length) this.grow();
    this.keys.copyWithin(at + 1, at, this.levels.length);
    this.keys[at] = this.keyOf(level[0]);
    this.levels.splice(at, 0, level);
    this.touch(at);
    return null;
  }

  /** The best `depth` levels (a copy). */
  top(depth: number): BookLevel[] {
    return this.levels.slice(0, depth);
  }

  /** The lowest index changed since the last call (Infinity if none), and starts counting again. */
  touchedFrom(): number {
    const touched = this.touched;
    this.touched = Number.POSITIVE_INFINITY;
    return touched;
  }

  /** The index of `price`, or -(where it would go) - 1 when no level is there. */
  private indexOf(price: string): number {
    const key = this.keyOf(price);
    const keys = this.keys;
    const length = this.levels.length;
    let low = 0;
    let high = length;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if (keys[middle]! < key) low = middle + 1;
      else high = middle;
    }
    // Past ~15 significant digits distinct prices can share a double: settle those exactly.
    for (; low < length && keys[low] === key; low++) {
      const order = this.exact(this.levels[low]![0], price);
      if (order === 0) return low;
      if (order > 0) break;
    }
    return -low - 1;
  }

  private keyOf(price: string): number {
    return this.sign * Number(price);
  }

  private exact(a: string, b: string): number {
    return this.sign * compareDecimals(a, b);
  }

  private touch(index: number): void {
    if (index < this.touched) this.touched = index;
  }

  private grow(): void {
    const keys = new Float64Array(this.keys.length * 2);
    keys.set(this.keys);
    this.keys = keys;
  }
}
