/**
 * What the demo market trades, at realistic levels: a reference price, the price increment (tick)
 * and the quantity increment (lot), roughly as spot crypto venues list them in late 2026. Measured
 * figures (bytes per update, delta and deflate ratios) only mean something on data shaped like this.
 */
export interface Instrument {
  symbol: string;
  referencePrice: number;
  tick: number;
  lot: number;
  /** Typical trade size, in lots' units (a lognormal around it). */
  typicalQty: number;
}

const LISTED: Record<string, Omit<Instrument, 'symbol'>> = {
  BTC: { referencePrice: 97_250, tick: 0.1, lot: 0.00001, typicalQty: 0.05 },
  ETH: { referencePrice: 3_420, tick: 0.01, lot: 0.0001, typicalQty: 0.8 },
  SOL: { referencePrice: 182.4, tick: 0.01, lot: 0.01, typicalQty: 12 },
  BNB: { referencePrice: 705.3, tick: 0.01, lot: 0.001, typicalQty: 2 },
  XRP: { referencePrice: 2.314, tick: 0.0001, lot: 0.1, typicalQty: 900 },
  DOGE: { referencePrice: 0.38214, tick: 0.00001, lot: 1, typicalQty: 6_000 },
  ADA: { referencePrice: 1.0521, tick: 0.0001, lot: 0.1, typicalQty: 1_500 },
  AVAX: { referencePrice: 45.12, tick: 0.01, lot: 0.01, typicalQty: 40 },
  LINK: { referencePrice: 24.36, tick: 0.001, lot: 0.01, typicalQty: 80 },
  DOT: { referencePrice: 9.214, tick: 0.001, lot: 0.01, typicalQty: 250 },
  LTC: { referencePrice: 112.4, tick: 0.01, lot: 0.001, typicalQty: 15 },
  TRX: { referencePrice: 0.2612, tick: 0.00001, lot: 1, typicalQty: 10_000 },
  PEPE: { referencePrice: 0.00001912, tick: 0.00000001, lot: 1, typicalQty: 40_000_000 },
};

/** The listed instrument, or for any other symbol one derived from its name (same name, same levels). */
export function instrumentFor(symbol: string): Instrument {
  const listed = LISTED[symbol];
  if (listed) return { symbol, ...listed };
  let hash = 2166136261;
  for (const char of symbol) hash = Math.imul(hash ^ char.charCodeAt(0), 16777619) >>> 0;
  // A price between 0.1 and 10,000, four significant digits of tick, a lot worth about a cent.
  const referencePrice = 10 ** ((hash % 5000) / 1000 - 1);
  const tick = 10 ** (Math.floor(Math.log10(referencePrice)) - 4);
  const lot = 10 ** Math.floor(Math.log10(0.01 / referencePrice));
  return { symbol, referencePrice: roundTo(referencePrice, tick), tick, lot, typicalQty: roundTo(500 / referencePrice, lot) || lot };
}

/** Decimal places of an increment (0.01 -> 2), so prices print as 97250.1, never 97250.10000000001. */
export function decimalsOf(increment: number): number {
  return Math.max(0, -Math.floor(Math.log10(increment) + 1e-9));
}

export function roundTo(value: number, increment: number): number {
  return Number((Math.round(value / increment) * increment).toFixed(decimalsOf(increment)));
}
