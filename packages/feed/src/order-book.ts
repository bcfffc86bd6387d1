import { decimalsOf, type Instrument, roundTo } from './instruments.js';

/** Levels per side in a published book: a partial-depth snapshot, as exchange streams send them. */
export const BOOK_DEPTH = 10;

interface Level {
  /** Price in ticks: integers, so levels compare exactly. */
  ticks: number;
  qty: number;
}

/**
 * One instrument's order book that evolves like a real one: each update changes a few levels (sizes
 * come and go, mostly near the top), the mid sometimes moves a tick and the levels shift with it,
 * trades take liquidity from the best level. Always BOOK_DEPTH levels a side, sorted, never crossed.
 */
export class OrderBook {
  private readonly bids: Level[] = [];
  private readonly asks: Level[] = [];

  constructor(
    private readonly instrument: Instrument,
    private readonly random: () => number,
  ) {
    const mid = Math.round(instrument.referencePrice / instrument.tick);
    this.bids.push({ ticks: mid - 1, qty: this.restingQty() });
    this.asks.push({ ticks: mid + 1, qty: this.restingQty() });
    this.normalize();
  }

  get bestBid(): number {
    return this.bids[0]!.ticks * this.instrument.tick;
  }

  get bestAsk(): number {
    return this.asks[0]!.ticks * this.instrument.tick;
  }

  /**
   * One book update: a tick move of the mid now and then, a quote inside a spread that trades
   * widened, and a few sizes change.
   */
  step(): void {
    const roll = this.random();
    if (roll < 0.08) this.moveMid(1);
    else if (roll < 0.16) this.moveMid(-1);
    if (this.asks[0]!.ticks - this.bids[0]!.ticks > 1 && this.random() < 0.6) this.improveQuote();
    const changes = 1 + Math.floor(this.random() * 3);
    for (let i = 0; i < changes; i++) {
      const side = this.random() < 0.5 ? this.bids : this.asks;
      // Mostly near the top, where the quoting is.
      const level = side[Math.min(BOOK_DEPTH - 1, Math.floor(this.random() ** 2 * BOOK_DEPTH))]!;
      level.qty = this.lots(level.qty * (0.4 + this.random() * 1.2));
    }
  }

  /**
   * A market order for up to `qty` against the best level of the other side: filled at that level's
   * price, at most its size (a level taken whole leaves the book). Returns the price and the size.
   */
  trade(side: 'buy' | 'sell', qty: number): { price: number; qty: number } {
    const book = side === 'buy' ? this.asks : this.bids;
    const best = book[0]!;
    const filled = Math.min(qty, best.qty);
    best.qty = this.lots(best.qty - filled);
    if (best.qty <= 0) {
      book.shift();
      this.normalize();
    }
    return { price: roundTo(best.ticks * this.instrument.tick, this.instrument.tick), qty: roundTo(filled, this.instrument.lot) };
  }

  snapshot(): { bids: Array<[number, number]>; asks: Array<[number, number]> } {
    const { tick, lot } = this.instrument;
    const digits = decimalsOf(tick);
    const level = ({ ticks, qty }: Level): [number, number] => [Number((ticks * tick).toFixed(digits)), roundTo(qty, lot)];
    return { bids: this.bids.map(level), asks: this.asks.map(level) };
  }

  private moveMid(direction: 1 | -1): void {
    // Up: the best ask is lifted and a new bid joins above the old best; down: the mirror image.
    const [taken, joined] = direction === 1 ? [this.asks, this.bids] : [this.bids, this.asks];
    taken.shift();
    const best = joined[0]!.ticks + direction;
    const other = taken[0]?.ticks;
    if (other === undefined || (direction === 1 ? best < other : best > other)) joined.unshift({ ticks: best, qty: this.restingQty() });
    this.normalize();
  }

  /** A new best level one tick inside the spread (market makers step in), the far end trimmed. */
  private improveQuote(): void {
    const side = this.random() < 0.5 ? this.bids : this.asks;
    side.unshift({ ticks: side[0]!.ticks + (side === this.bids ? 1 : -1), qty: this.restingQty() });
    this.normalize();
  }

  /** Back to BOOK_DEPTH levels a side: the far end trimmed, or new levels added beyond it. */
  private normalize(): void {
    for (const [side, direction] of [
      [this.bids, -1],
      [this.asks, 1],
    ] as const) {
      side.length = Math.min(side.length, BOOK_DEPTH);
      while (side.length < BOOK_DEPTH) {
        const last = side.at(-1)?.ticks ?? (direction === 1 ? this.bids[0]!.ticks + 1 : this.asks[0]!.ticks - 1);
        side.push({ ticks: last + direction * this.gap(), qty: this.restingQty() });
      }
    }
  }

  /** Ticks between neighbouring levels: mostly adjacent, sometimes a hole. */
  private gap(): number {
    return this.random() < 0.7 ? 1 : 2 + Math.floor(this.random() * 3);
  }

  private restingQty(): number {
    return this.lots(this.instrument.typicalQty * 3 * Math.exp(this.random() * 2 - 1));
  }

  /** A size in whole lots, at least one lot (a level with less is gone: the caller removes it). */
  private lots(qty: number): number {
    const { lot } = this.instrument;
    return Math.max(0, Math.round(qty / lot)) * lot || (qty > 0 ? lot : 0);
  }
}
