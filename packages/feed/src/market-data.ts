/**
 * Synthetic market data in the seed system's record format: key = symbol, value =
 * `{"type":...,"timestamp":<producer ms>,"data":{...}}`. Prices follow a random walk per symbol.
 */
export type RecordKind = 'trade' | 'ticker' | 'book';

export interface MarketRecord {
  key: string;
  value: string;
}

interface SymbolState {
  price: number;
  volume24h: number;
  open24h: number;
  bookSeq: number;
}

const BOOK_DEPTH = 5;

export class MarketDataGenerator {
  private readonly states = new Map<string, SymbolState>();
  private tradeId = 0;

  constructor(
    private readonly symbols: string[],
    private readonly random: () => number = Math.random,
  ) {
    for (const symbol of symbols) {
      const price = 1 + this.random() * 50_000;
      this.states.set(symbol, { price, volume24h: 0, open24h: price, bookSeq: 0 });
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
    state.price = Math.max(0.0001, state.price * (1 + (this.random() - 0.5) * 0.002));
    const data = kind === 'trade' ? this.trade(symbol, state) : kind === 'ticker' ? this.ticker(symbol, state) : this.book(symbol, state);
    const type = kind === 'trade' ? 'TRADE_EXECUTED' : kind === 'ticker' ? 'TICKER' : 'ORDERBOOK_UPDATE';
    return { key: symbol, value: JSON.stringify({ type, timestamp: nowMs, data }) };
  }

  private trade(symbol: string, state: SymbolState) {
    const qty = round(this.random() * 5, 4);
    state.volume24h += qty;
    return { symbol, tradeId: ++this.tradeId, price: round(state.price, 4), qty, side: this.random() < 0.5 ? 'buy' : 'sell' };
  }

  private ticker(symbol: string, state: SymbolState) {
    const spread = state.price * 0.0005;
    return {
      symbol,
      last: round(state.price, 4),
      bid: round(state.price - spread, 4),
      ask: round(state.price + spread, 4),
      volume24h: round(state.volume24h, 4),
      change24h: round(((state.price - state.open24h) / state.open24h) * 100, 3),
    };
  }

  private book(symbol: string, state: SymbolState) {
    const level = (side: 1 | -1, i: number) => [round(state.price * (1 + side * 0.0005 * (i + 1)), 4), round(this.random() * 10, 4)];
    return {
      symbol,
      seq: ++state.bookSeq,
      bids: Array.from({ length: BOOK_DEPTH }, (_, i) => level(-1, i)),
      asks: Array.from({ length: BOOK_DEPTH }, (_, i) => level(1, i)),
    };
  }
}

function round(value: number, digits: number): number {
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
}
