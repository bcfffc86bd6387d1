/**
 * The `"delta":"deflate"` wire: a state channel's envelope as one binary WebSocket frame, compressed
 * by the shard once per record (not once per subscriber, as permessage-deflate in uWS is) with the
 * previous record's data as the preset dictionary, so what did not change costs a few bits.
 *
 *   byte 0        kind: FULL (dictionary: ENVELOPE_DICTIONARY) or DELTA (dictionary: the channel's
 *                 previous envelope as buildEnvelope writes it, which the subscriber rebuilds from
 *                 the channel, position, timestamp and data text it holds)
 *   byte 1        n, the channel name's length (names are ASCII, at most 128 long)
 *   bytes 2..2+n  the channel name
 *   the rest      a zlib stream (RFC 1950) of the envelope text, exactly the plain envelope's bytes;
 *                 its header names the dictionary by Adler-32 and its trailer is the text's Adler-32,
 *                 so a wrong base or a corrupted frame is caught, never shown
 *
 * This module holds the layout and the checks; the compression itself is the shard's (node:zlib)
 * and the SDK's (fflate), which run on different platforms.
 */

export const ZlibFrameKind = { FULL: 1, DELTA: 2 } as const;
export type ZlibFrameKind = (typeof ZlibFrameKind)[keyof typeof ZlibFrameKind];

/**
 * What every envelope starts with and the seed record format's words: a full frame compresses
 * against it. Part of the wire: changing it needs new kind bytes.
 */
export const ENVELOPE_DICTIONARY =
  '"side":"buy""side":"sell","tradeId":,"price":,"qty":"last":,"bid":,"ask":,"high24h":,"low24h":,"volume24h":,"change24h":' +
  '{"type":"TRADE_EXECUTED","timestamp":{"type":"TICKER","timestamp":{"type":"ORDERBOOK_UPDATE","timestamp":' +
  ',"data":{"symbol":"","seq":,"bids":[[,"asks":[[{"type":"price:update","channel":"","pos":{"partition":0,"offset":1},"ts":1,"data":';

const encoder = new TextEncoder();
const DICTIONARY_BYTES = encoder.encode(ENVELOPE_DICTIONARY);

/**
 * The preset dictionary of a frame kind: `baseEnvelope` is the previous record's plain envelope
 * (DELTA only). It alone: it holds every word of the skeleton already, and each byte of dictionary
 * costs the shard hashing time per record. `encode`: UTF-8, by default TextEncoder's (browsers);
 * node's Buffer.from takes small strings from a shared pool instead of a new ArrayBuffer each.
 */
export function zlibFrameDictionary(
  kind: ZlibFrameKind,
  baseEnvelope?: string,
  encode: (text: string) => Uint8Array = (text) => encoder.encode(text),
): Uint8Array {
  return kind === ZlibFrameKind.FULL ? DICTIONARY_BYTES : encode(baseEnvelope ?? '');
}

/** The bytes before the zlib stream: kind, channel length, channel. */
export function zlibFrameHeader(kind: ZlibFrameKind, channel: string): Uint8Array {
  const header = new Uint8Array(2 + channel.length);
  header[0] = kind;
  header[1] = channel.length;
  for (let i = 0; i < channel.length; i++) header[2 + i] = channel.charCodeAt(i);
  return header;
}

export type ZlibFrame = { kind: ZlibFrameKind; channel: string; zlib: Uint8Array };

/** A binary frame's parts, or undefined when it is not one: an unknown kind or a cut header. */
export function readZlibFrame(frame: Uint8Array): ZlibFrame | undefined {
  const kind = frame[0];
  const length = frame[1];
  if ((kind !== ZlibFrameKind.FULL && kind !== ZlibFrameKind.DELTA) || length === undefined || length === 0) return undefined;
  const zlibStart = 2 + length;
  if (frame.length <= zlibStart + ZLIB_DICTIONARY_HEADER + ZLIB_TRAILER) return undefined;
  let channel = '';
  for (let i = 2; i < zlibStart; i++) channel += String.fromCharCode(frame[i]!);
  return { kind, channel, zlib: frame.subarray(zlibStart) };
}

/** A zlib stream with a preset dictionary: 2 header bytes, then the dictionary's Adler-32. */
const ZLIB_DICTIONARY_HEADER = 6;
const ZLIB_TRAILER = 4;

/**
 * Whether a zlib stream was made with this dictionary and inflated to these bytes: the header's
 * dictionary id and the trailer's checksum, both Adler-32 (RFC 1950). Inflaters that skip them
 * (fflate does) would otherwise hand on a wrong text.
 */
export function zlibStreamMatches(zlib: Uint8Array, dictionary: Uint8Array, inflated: Uint8Array): boolean {
  return readUint32(zlib, 2) === adler32(dictionary) && readUint32(zlib, zlib.length - ZLIB_TRAILER) === adler32(inflated);
}

function readUint32(bytes: Uint8Array, at: number): number {
  return ((bytes[at]! << 24) | (bytes[at + 1]! << 16) | (bytes[at + 2]! << 8) | bytes[at + 3]!) >>> 0;
}

const ADLER_MODULUS = 65521;
/** Bytes summed before a modulo (zlib's NMAX): the sums stay well inside exact integers. */
const ADLER_RUN = 5552;

export function adler32(bytes: Uint8Array): number {
  let a = 1;
  let b = 0;
  for (let start = 0; start < bytes.length; start += ADLER_RUN) {
    const end = Math.min(bytes.length, start + ADLER_RUN);
    for (let i = start; i < end; i++) {
      a += bytes[i]!;
      b += a;
    }
    a %= ADLER_MODULUS;
    b %= ADLER_MODULUS;
  }
  return ((b << 16) | a) >>> 0;
}
