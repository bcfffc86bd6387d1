import { type Instrument, instrumentFor, roundTo } from './instruments.js';
import { BOOK_DEPTH, L2_DEPTH, OrderBook, type TextLevel } from './order-book.js';

/**
 * Synthetic market data in the seed system's record format: key = symbol, value =
 * `{"type":...,"timestamp":<producer ms>,"data":{...}}`, shaped like a real venue's: each symbol
 * starts at its reference price (instruments.ts), its book evolves a few levels at a time
 * (order-book.ts), trades walk the book in sizes around the instrument's typical one, the ticker
 * follows, and BTC and ETH are several times busier than the tail. Books are published as an
 * incremental L2 feed (docs/market-data.md: a BOOK_SNAPSHOT, then BOOK_UPDATEs of the levels that
 * changed, prices and sizes as decimal text) or, with `books: 'full'`, as the seed's whole top-10
 * ORDERBOOK_UPDATE on every change (what the delta forms and their benchmarks are for).
 */
export type RecordKind = 'trade' | 'ticker' | 'book';

export interface MarketDataOptions {
  /** 'incremental' (default): BOOK_SNAPSHOT / BOOK_UPDATE, 200 levels a side; 'full': ORDERBOOK_UPDATE, top 10. */
  books?: 'incremental' | 'full';
  random?: () => number;
}

/** An L2 book publishes a BOOK_SNAPSHOT this often (ms), within the shard's --book-lookback (60 s). */
export const L2_SNAPSHOT_EVERY_MS = 30_000;

/** How much busier a symbol is than the tail's 1: the majors trade and quote most, as on a real venue. */
const ACTIVITY: Record<string, number> = { BTC: 6, ETH: 4, SOL: 2 };

export interface MarketRecord {
  key: string;
  value: string;
}

interface SymbolState {
  instrument: Instrument;
  book: OrderBook;
  bookSeq: number;
  tradeId: number;
  /** L2: each level as last published (side letter + price -> quantity), and when the last snapshot went. */
  published: Map<string, string> | undefined;
  snapshotAt: number;
  last: number;
  open24h: number;
  high24h: number;
  low24h: number;
  volume24h: number;
}

export class MarketDataGenerator {
  private readonly states = new Map<string, SymbolState>();
  private readonly random: () => number;
  private readonly incremental: boolean;
  /** Running sums of the symbols' activity weights, for a weighted pick. */
  private readonly weights: number[] = [];

  constructor(
    private readonly symbols: string[],
    options: MarketDataOptions = {},
  ) {
    const random = options.random ?? Math.random;
    this.random = random;
    this.incremental = options.books !== 'full';
    let total = 0;
    for (const symbol of symbols) {
      total += ACTIVITY[symbol] ?? 1;
      this.weights.push(total);
      const instrument = instrumentFor(symbol);
      const book = new OrderBook(instrument, random, this.incremental ? L2_DEPTH : BOOK_DEPTH);
      const last = roundTo((book.bestBid + book.bestAsk) / 2, instrument.tick);
      // A day's history the ticker can quote: opened within 3% of now, some volume already.
      const open24h = roundTo(last * (1 + (random() - 0.5) * 0.06), instrument.tick);
      this.states.set(symbol, {
        instrument,
        book,
        bookSeq: 0,
        tradeId: 0,
        published: undefined,
        snapshotAt: 0,
        last,
        open24h,
        high24h: Math.max(open24h, last),
        low24h: Math.min(open24h, last),
        volume24h: roundTo(instrument.typicalQty * 20_000 * (0.5 + random()), instrument.lot),
      });
    }
  }

  /** Which kind of record a topic carries, from its name (odin.trades, odin.tickers, odin.orderbooks). */
  static kindOfTopic(topic: string): RecordKind {
    if (topic.includes('ticker')) return 'ticker';
    if (topic.includes('book')) return 'book';
    return 'trade';
  }

  next(kind: RecordKind, nowMs: number): MarketRecord {
    const symbol = this.pickSymbol();
    const state = this.states.get(symbol)!;
    // The market moves whatever is published: the book takes a step on every record.
    state.book.step();
    if (kind === 'book' && this.incremental) return { key: symbol, value: this.l2Record(symbol, state, nowMs) };
    const data = kind === 'trade' ? this.trade(symbol, state) : kind === 'ticker' ? this.ticker(symbol, state) : this.book(symbol, state);
    const type = kind === 'trade' ? 'TRADE_EXECUTED' : kind === 'ticker' ? 'TICKER' : 'ORDERBOOK_UPDATE';
    return { key: symbol, value: JSON.stringify({ type, timestamp: nowMs, data }) };
  }

  /** A symbol's book as an L2 record carries it: both sides as decimal text, best first. */
  levelsOf(symbol: string): { bids: TextLevel[]; asks: TextLevel[] } {
    return this.states.get(symbol)!.book.levels();
  }

  /** A symbol drawn by activity: BTC six times as often as a tail symbol. */
  private pickSymbol(): string {
    const drawn = this.random() * this.weights.at(-1)!;
    let index = 0;
    while (this.weights[index]! <= drawn) index++;
    return this.symbols[index]!;
  }

  /**
   * The symbol's next L2 record: a BOOK_SNAPSHOT first and every L2_SNAPSHOT_EVERY_MS, else a
   * BOOK_UPDATE of every level that changed since the last record (steps and trades), "0" for gone.
   */
  private l2Record(symbol: string, state: SymbolState, nowMs: number): string {
    const { bids, asks } = state.book.levels();
    const prevSeq = state.bookSeq;
    const seq = ++state.bookSeq;
    const now = new Map<string, string>();
    for (const [price, qty] of bids) now.set(`b${price}`, qty);
    for (const [price, qty] of asks) now.set(`a${price}`, qty);
    const published = state.published;
    state.published = now;
    if (published === undefined || nowMs - state.snapshotAt >= L2_SNAPSHOT_EVERY_MS) {
      state.snapshotAt = nowMs;
      return JSON.stringify({ type: 'BOOK_SNAPSHOT', timestamp: nowMs, data: { symbol, seq, bids, asks } });
    }
    const changed = { bids: [] as TextLevel[], asks: [] as TextLevel[] };
    for (const [key, qty] of now) if (published.get(key) !== qty) (key[0] === 'b' ? changed.bids : changed.asks).push([key.slice(1), qty]);
    for (const key of published.keys()) if (!now.has(key)) (key[0] === 'b' ? changed.bids : changed.asks).push([key.slice(1), '0']);
    return JSON.stringify({ type: 'BOOK_UPDATE', timestamp: nowMs, data: { symbol, seq, prevSeq, ...changed } });
  }

  private trade(symbol: string, state: SymbolState) {
    const { instrument } = state;
    const side = this.random() < 0.5 ? 'buy' : 'sell';
    // Lognormal sizes: mostly small, now and then a large one.
    const wanted = roundTo(instrument.typicalQty * Math.exp((this.random() - 0.5) * 3), instrument.lot) || instrument.lot;
    const { price, qty } = state.book.trade(side, wanted);
    state.last = price;
    state.high24h = Math.max(state.high24h, price);
    state.low24h = Math.min(state.low24h, price);
    state.volume24h = roundTo(state.volume24h + qty, instrument.lot);
    return { symbol, tradeId: ++state.tradeId, price, qty, side };
  }

  private ticker(symbol: string, state: SymbolState) {
    const { instrument, book } = state;
    return {
      symbol,
      last: state.last,
      bid: roundTo(book.bestBid, instrument.tick),
      ask: roundTo(book.bestAsk, instrument.tick),
      high24h: state.high24h,
      low24h: state.low24h,
      volume24h: state.volume24h,
      change24h: Number((((state.last - state.open24h) / state.open24h) * 100).toFixed(2)),
    };
  }

  private book(symbol: string, state: SymbolState) {
    return { symbol, seq: ++state.bookSeq, ...state.book.snapshot() };
  }
}
