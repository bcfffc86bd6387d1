import { deflateSync } from 'node:zlib';
import { type ZlibFrameKind, zlibFrameDictionary, zlibFrameHeader } from '@odin-ws/protocol';

/**
 * A zlib frame (zlib-frame.ts in @odin-ws/protocol) of one envelope: FULL, against the fixed
 * envelope dictionary, or DELTA, against `base`, the channel's previous envelope.
 */
export function buildZlibFrame(kind: ZlibFrameKind, channel: string, envelope: string, base?: string): Buffer {
  const dictionary = zlibFrameDictionary(kind, base, (text) => Buffer.from(text));
  const zlib = deflateSync(envelope, { dictionary, ...zlibSizing(dictionary.length + envelope.length) });
  return Buffer.concat([zlibFrameHeader(kind, channel), zlib]);
}

/**
 * Each frame gets a fresh zlib stream (a delta's dictionary is the previous record), and what a
 * stream allocates costs more than compressing a book: node's defaults (a 32 KB window, 256 KB of
 * hash tables and buffers, a 16 KB output chunk) are native memory V8 counts, and their churn at
 * thousands of records a second made the shard run a full GC every few hundred ms (measured:
 * 12 mark-compacts in a 5-second bench against 1-2). A window just big enough for dictionary and
 * envelope, the smallest tables and an output chunk Buffer's pool serves compress books to the
 * same size in half the CPU (13 against 20 µs). Inflaters accept any window.
 */
function zlibSizing(bytes: number): { windowBits: number; memLevel: number; chunkSize: number } {
  return { windowBits: Math.min(MAX_WINDOW_BITS, Math.max(MIN_WINDOW_BITS, Math.ceil(Math.log2(bytes)))), memLevel: 1, chunkSize: POOLED_CHUNK_BYTES };
}

const MIN_WINDOW_BITS = 10;
const MAX_WINDOW_BITS = 15;
/** Below Buffer.poolSize / 2, so each output chunk comes from the shared pool, not a new ArrayBuffer. */
const POOLED_CHUNK_BYTES = 512;
