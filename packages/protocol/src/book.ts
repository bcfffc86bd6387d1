/**
 * Order books from incremental feeds (docs/market-data.md, the page producers read). A state
 * channel's record whose value is one of these types makes that channel a maintained book:
 *
 *   {"type":"BOOK_SNAPSHOT","timestamp":<ms>,"data":{"symbol":"BTC","seq":<int>,"bids":[["97250.1","0.52"],…],"asks":[…]}}
 *   {"type":"BOOK_UPDATE","timestamp":<ms>,"data":{"symbol":"BTC","seq":<int>,"prevSeq":<int>,"bids":[…],"asks":[…]}}
 *
 * Levels are `[price, quantity]` decimal strings, never parsed into floats: a price is a key and an
 * order, and binary floating point has neither exactly. An update carries each changed level's new
 * absolute quantity, `"0"` removing the level; `prevSeq` is the `seq` of the record it applies to.
 */
export const BookRecordType = { SNAPSHOT: 'BOOK_SNAPSHOT', UPDATE: 'BOOK_UPDATE' } as const;
export type BookRecordType = (typeof BookRecordType)[keyof typeof BookRecordType];

export type BookLevel = readonly [price: string, quantity: string];

export type BookRecord =
  | { type: typeof BookRecordType.SNAPSHOT; seq: number; bids: BookLevel[]; asks: BookLevel[] }
  | { type: typeof BookRecordType.UPDATE; seq: number; prevSeq: number; bids: BookLevel[]; asks: BookLevel[] };

/** Why a book record was refused; each is a label of ws_kafka_records_dropped_total. */
export type BookRecordProblem = 'invalid_book';

/** A decimal string: digits, at most one point with digits after it. Bounded, as any untrusted text. */
const DECIMAL = /^\d{1,40}(\.\d{1,40})?$/;

/**
 * The book record a parsed Kafka value is, undefined when it is not one (another record type: the
 * record is the state, as before), or a problem when it says it is one but is malformed.
 */
export function readBookRecord(value: unknown): { ok: true; record: BookRecord } | { ok: false; reason: BookRecordProblem } | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const { type, data } = value as { type?: unknown; data?: unknown };
  if (type !== BookRecordType.SNAPSHOT && type !== BookRecordType.UPDATE) return undefined;
  const invalid = { ok: false, reason: 'invalid_book' } as const;
  if (typeof data !== 'object' || data === null) return invalid;
  const { seq, prevSeq, bids, asks } = data as Record<string, unknown>;
  const levelsOfBids = readLevels(bids);
  const levelsOfAsks = readLevels(asks);
  if (!isSequence(seq) || levelsOfBids === undefined || levelsOfAsks === undefined) return invalid;
  if (type === BookRecordType.SNAPSHOT) return { ok: true, record: { type, seq, bids: levelsOfBids, asks: levelsOfAsks } };
  if (!isSequence(prevSeq) || prevSeq >= seq) return invalid;
  return { ok: true, record: { type, seq, prevSeq, bids: levelsOfBids, asks: levelsOfAsks } };
}

function isSequence(value: unknown): value is number {
  return Number.isSafeInteger(value) && (value as number) >= 0;
}

function readLevels(value: unknown): BookLevel[] | undefined {
  if (value === undefined) return [];
  if (!Array.isArray(value)) return undefined;
  for (const level of value) {
    if (!Array.isArray(level) || level.length < 2 || typeof level[0] !== 'string' || typeof level[1] !== 'string') return undefined;
    if (!DECIMAL.test(level[0]) || !DECIMAL.test(level[1])) return undefined;
  }
  return value as BookLevel[];
}

/** Whether a quantity removes its level: any spelling of zero ("0", "0.000"). */
export function isZeroQuantity(quantity: string): boolean {
  for (let i = 0; i < quantity.length; i++) {
    const c = quantity.charCodeAt(i);
    if (c !== 48 && c !== 46) return false;
  }
  return true;
}

/**
 * Orders two decimal strings by value, exactly, without floats: -1, 0 or 1. "97250.10" and
 * "97250.1" are equal. Both must be DECIMAL (readBookRecord checks). Char by char, allocating
 * nothing: a book compares prices a dozen times per changed level.
 */
export function compareDecimals(a: string, b: string): number {
  const pointA = pointOf(a);
  const pointB = pointOf(b);
  let startA = 0;
  let startB = 0;
  while (startA < pointA - 1 && a.charCodeAt(startA) === 48) startA++;
  while (startB < pointB - 1 && b.charCodeAt(startB) === 48) startB++;
  const lengthA = pointA - startA;
  const lengthB = pointB - startB;
  if (lengthA !== lengthB) return lengthA < lengthB ? -1 : 1;
  for (let i = 0; i < lengthA; i++) {
    const difference = a.charCodeAt(startA + i) - b.charCodeAt(startB + i);
    if (difference !== 0) return difference < 0 ? -1 : 1;
  }
  // The fractions, digit by digit, a missing digit counting as 0.
  const fractionA = a.length - pointA - 1;
  const fractionB = b.length - pointB - 1;
  for (let i = 0; i < Math.max(fractionA, fractionB); i++) {
    const digitA = i < fractionA ? a.charCodeAt(pointA + 1 + i) : 48;
    const digitB = i < fractionB ? b.charCodeAt(pointB + 1 + i) : 48;
    if (digitA !== digitB) return digitA < digitB ? -1 : 1;
  }
  return 0;
}

/** Where a decimal's point is, or its length when it has none. */
function pointOf(decimal: string): number {
  const point = decimal.indexOf('.');
  return point === -1 ? decimal.length : point;
}

/** One spelling per value ("097250.10" and "97250.1" are the same key): the key a book keeps a level under. */
export function decimalKey(value: string): string {
  const point = value.indexOf('.');
  const integer = stripLeadingZeros(point === -1 ? value : value.slice(0, point)) || '0';
  const fraction = point === -1 ? '' : value.slice(point + 1).replace(/0+$/, '');
  return fraction === '' ? integer : `${integer}.${fraction}`;
}

function stripLeadingZeros(text: string): string {
  let i = 0;
  while (i < text.length - 1 && text.charCodeAt(i) === 48) i++;
  return text.slice(i);
}

/** The order of a side, best first: bids descending, asks ascending by price. */
export const descending = (a: BookLevel, b: BookLevel) => compareDecimals(b[0], a[0]);
export const ascending = (a: BookLevel, b: BookLevel) => compareDecimals(a[0], b[0]);

/** Where `price` is, or would go, in a sorted side: its index, and whether a level is there. */
export function findLevel(side: readonly BookLevel[], price: string, order: (a: BookLevel, b: BookLevel) => number): { index: number; found: boolean } {
  const probe: BookLevel = [price, ''];
  let low = 0;
  let high = side.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if (order(side[middle]!, probe) < 0) low = middle + 1;
    else high = middle;
  }
  return { index: low, found: low < side.length && order(side[low]!, probe) === 0 };
}

/** Sets one level of a sorted side to its new absolute quantity: zero removes it. */
export function setLevel(side: BookLevel[], level: BookLevel, order: (a: BookLevel, b: BookLevel) => number): void {
  const { index, found } = findLevel(side, level[0], order);
  if (isZeroQuantity(level[1])) {
    if (found) side.splice(index, 1);
  } else if (found) side[index] = level;
  else side.splice(index, 0, level);
}

/** The top-of-book depths a subscribe may ask for (`"depth"`): each a topic per book, built once per change. */
export const BOOK_DEPTHS = [10, 25, 100] as const;
export type BookDepth = (typeof BOOK_DEPTHS)[number];

/** Levels a book checksum covers per side, as Kraken's v2 book checksum. */
export const BOOK_CHECKSUM_LEVELS = 10;

/**
 * The checksum every envelope of a maintained book carries: CRC32 (IEEE, unsigned) of the top 10
 * asks (ascending) then the top 10 bids (descending), each level's price then quantity with `.`
 * removed and leading zeros stripped, concatenated. Kraken's v2 definition, so traders' existing
 * code checks it. The strings are the levels' text as last published for them.
 */
export function bookChecksum(asksAscending: readonly BookLevel[], bidsDescending: readonly BookLevel[]): number {
  // Straight into the CRC, char by char: no string is built per record.
  return (crcOfSide(crcOfSide(0xffffffff, asksAscending), bidsDescending) ^ 0xffffffff) >>> 0;
}

function crcOfSide(crc: number, side: readonly BookLevel[]): number {
  const levels = Math.min(BOOK_CHECKSUM_LEVELS, side.length);
  for (let i = 0; i < levels; i++) {
    const level = side[i]!;
    crc = crcOfDigits(crcOfDigits(crc, level[0]), level[1]);
  }
  return crc;
}

/** Feeds a decimal's digits to a running CRC, its `.` removed and its leading zeros skipped. */
function crcOfDigits(crc: number, decimal: string): number {
  let leading = true;
  for (let i = 0; i < decimal.length; i++) {
    const c = decimal.charCodeAt(i);
    if (c === 46 || (leading && c === 48)) continue;
    leading = false;
    crc = CRC32_TABLE[(crc ^ c) & 0xff]! ^ (crc >>> 8);
  }
  return crc;
}

const CRC32_TABLE = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

/** CRC-32 (IEEE 802.3, as zlib's crc32) of ASCII text, unsigned. */
export function crc32(text: string): number {
  let crc = 0xffffffff;
  for (let i = 0; i < text.length; i++) crc = CRC32_TABLE[(crc ^ text.charCodeAt(i)) & 0xff]! ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}
