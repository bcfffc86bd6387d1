import { type Instrument, instrumentFor, roundTo } from './instruments.js';
import { OrderBook } from './order-book.js';

/**
 * Synthetic market data in the seed system's record format: key = symbol, value =
 * `{"type":...,"timestamp":<producer ms>,"data":{...}}`, shaped like a real venue's: each symbol
 * starts at its reference price (instruments.ts), its book evolves a few levels at a time
 * (order-book.ts) and is published as a full top-of-book snapshot with a rising `seq`, trades take
 * liquidity at the best price in sizes around the instrument's typical one, and the ticker follows.
 */
export type RecordKind = 'trade' | 'ticker' | 'book';

export interface MarketRecord {
  key: string;
  value: string;
}

interface SymbolState {
  instrument: Instrument;
  book: OrderBook;
  bookSeq: number;
  last: number;
  open24h: number;
  high24h: number;
  low24h: number;
  volume24h: number;
}

export class MarketDataGenerator {
  private readonly states = new Map<string, SymbolState>();
  private tradeId = 0;

  constructor(
    private readonly symbols: string[],
    private readonly random: () => number = Math.random,
  ) {
    for (const symbol of symbols) {
      const instrument = instrumentFor(symbol);
      const book = new OrderBook(instrument, random);
      const last = roundTo((book.bestBid + book.bestAsk) / 2, instrument.tick);
      // A day's history the ticker can quote: opened within 3% of now, some volume already.
      const open24h = roundTo(last * (1 + (random() - 0.5) * 0.06), instrument.tick);
      this.states.set(symbol, {
        instrument,
        book,
        bookSeq: 0,
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
    const symbol = this.symbols[Math.floor(this.random() * this.symbols.length)]!;
    const state = this.states.get(symbol)!;
    // The market moves whatever is published: the book takes a step on every record.
    state.book.step();
    const data = kind === 'trade' ? this.trade(symbol, state) : kind === 'ticker' ? this.ticker(symbol, state) : this.book(symbol, state);
    const type = kind === 'trade' ? 'TRADE_EXECUTED' : kind === 'ticker' ? 'TICKER' : 'ORDERBOOK_UPDATE';
    return { key: symbol, value: JSON.stringify({ type, timestamp: nowMs, data }) };
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
    return { symbol, tradeId: ++this.tradeId, price, qty, side };
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
