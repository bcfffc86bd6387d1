import { decimalsOf, type Instrument, roundTo } from './instruments.js';

/** Levels per side in a whole-book record (ORDERBOOK_UPDATE): a partial-depth snapshot, as exchange streams send them. */
export const BOOK_DEPTH = 10;

/** Levels per side of an incremental (L2) book: deep enough that only the changes can travel. */
export const L2_DEPTH = 200;

/** A level as decimal text: `[price, quantity]` at the instrument's tick and lot. */
export type TextLevel = [price: string, quantity: string];

interface Level {
  /** Price in ticks: integers, so levels compare exactly. */
  ticks: number;
  qty: number;
}

/**
 * One instrument's order book that evolves like a real one: each update changes a few levels (sizes
 * come and go, mostly near the top), the mid sometimes moves a tick and the levels shift with it,
 * trades walk the book from the best level. Always `depth` levels a side, sorted, never crossed.
 */
export class OrderBook {
  private readonly bids: Level[] = [];
  private readonly asks: Level[] = [];

  constructor(
    private readonly instrument: Instrument,
    private readonly random: () => number,
    private readonly depth = BOOK_DEPTH,
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
    // Mostly near the top, where the quoting is (within the top 10 however deep the book).
    const quoted = Math.min(this.depth, BOOK_DEPTH);
    for (let i = 0; i < changes; i++) {
      const side = this.random() < 0.5 ? this.bids : this.asks;
      const level = side[Math.min(quoted - 1, Math.floor(this.random() ** 2 * quoted))]!;
      level.qty = this.lots(level.qty * (0.4 + this.random() * 1.2));
    }
    // A deep book also changes deep now and then: orders resting far from the mid come and go.
    if (this.depth > BOOK_DEPTH && this.random() < 0.5) {
      const side = this.random() < 0.5 ? this.bids : this.asks;
      const level = side[BOOK_DEPTH + Math.floor(this.random() * (this.depth - BOOK_DEPTH))]!;
      level.qty = this.lots(level.qty * (0.4 + this.random() * 1.2));
    }
  }

  /**
   * A market order for up to `qty` walking the other side from its best level: each level filled at
   * its price, at most its size (a level taken whole leaves the book), until the order is filled or a
   * level is left. Returns the price of the last level it reached and the size filled.
   */
  trade(side: 'buy' | 'sell', qty: number): { price: number; qty: number } {
    const book = side === 'buy' ? this.asks : this.bids;
    let wanted = qty;
    let filled = 0;
    let ticks = book[0]!.ticks;
    while (wanted > 0 && book.length > 1) {
      const best = book[0]!;
      ticks = best.ticks;
      const taken = Math.min(wanted, best.qty);
      best.qty = this.lots(best.qty - taken);
      filled += taken;
      wanted = roundTo(wanted - taken, this.instrument.lot);
      if (best.qty > 0) break;
      book.shift();
    }
    this.normalize();
    return { price: roundTo(ticks * this.instrument.tick, this.instrument.tick), qty: roundTo(filled, this.instrument.lot) };
  }

  snapshot(): { bids: Array<[number, number]>; asks: Array<[number, number]> } {
    const { tick, lot } = this.instrument;
    const digits = decimalsOf(tick);
    const level = ({ ticks, qty }: Level): [number, number] => [Number((ticks * tick).toFixed(digits)), roundTo(qty, lot)];
    return { bids: this.bids.map(level), asks: this.asks.map(level) };
  }

  /** Both sides as decimal text at the instrument's tick and lot, best first: what an L2 record carries. */
  levels(): { bids: TextLevel[]; asks: TextLevel[] } {
    const { tick, lot } = this.instrument;
    const priceDigits = decimalsOf(tick);
    const qtyDigits = decimalsOf(lot);
    const level = ({ ticks, qty }: Level): TextLevel => [(ticks * tick).toFixed(priceDigits), qty.toFixed(qtyDigits)];
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

  /** Back to `depth` levels a side: the far end trimmed, or new levels added beyond it. */
  private normalize(): void {
    for (const [side, direction] of [
      [this.bids, -1],
      [this.asks, 1],
    ] as const) {
      side.length = Math.min(side.length, this.depth);
      while (side.length < this.depth) {
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
