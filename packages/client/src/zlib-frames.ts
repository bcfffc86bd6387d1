import { type StreamPosition, type ZlibFrame, ZlibFrameKind, zlibFrameDictionary, zlibStreamMatches } from '@odin-ws/protocol';
import { Unzlib } from 'fflate';

/** What a delta subscription holds of its last message: the next delta applies to it. */
export interface DeltaBase {
  pos: StreamPosition;
  /** The data's exact text as the server sent it (a Fossil delta's base). */
  dataJson: string;
  /**
   * The envelope's exact text as received, its snapshot mark taken out (a deflate delta's base);
   * undefined when it was rebuilt from a Fossil delta, which no deflate delta follows.
   */
  envelope: string | undefined;
}

const decoder = new TextDecoder('utf-8', { fatal: true });

/**
 * The envelope text a binary frame carries (zlib-frame.ts in @odin-ws/protocol), or undefined
 * when it cannot be rebuilt exactly: a delta with no base held, a base other than the server's (the
 * zlib header's dictionary id), a corrupted stream (its Adler-32), or bytes that are not UTF-8.
 * fflate, which runs in browsers and Node alike, checks neither id nor checksum itself.
 */
export function inflateZlibFrame(frame: ZlibFrame, base: DeltaBase | undefined, maxBytes: number): string | undefined {
  if (frame.kind === ZlibFrameKind.DELTA && base?.envelope === undefined) return undefined;
  // The base is the previous envelope's exact bytes: nothing is rebuilt, so nothing can differ.
  const dictionary = zlibFrameDictionary(frame.kind, base?.envelope);
  try {
    const bytes = inflateAtMost(frame.zlib, dictionary, maxBytes);
    return bytes !== undefined && zlibStreamMatches(frame.zlib, dictionary, bytes) ? decoder.decode(bytes) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Compressed bytes inflated per step: deflate expands at most ~1,032 times, so one step makes at
 * most ~1 MB before the running total is checked again.
 */
const INFLATE_STEP_BYTES = 1024;

/**
 * A zlib stream's text, or undefined past `maxBytes` (maxMessageBytes): a frame of a few hundred
 * KB can inflate to gigabytes (a "zip bomb"), from a hostile server or anything on a ws:// path.
 * Inflated in steps, each checked, so memory stays near the bound whatever the frame claims. The
 * last step is marked final: a stream cut short throws instead of passing as a shorter text.
 */
function inflateAtMost(zlib: Uint8Array, dictionary: Uint8Array, maxBytes: number): Uint8Array | undefined {
  const chunks: Uint8Array[] = [];
  let total = 0;
  const stream = new Unzlib({ dictionary }, (chunk) => {
    total += chunk.length;
    if (total <= maxBytes) chunks.push(chunk);
  });
  for (let at = 0; at < zlib.length && total <= maxBytes; at += INFLATE_STEP_BYTES) {
    stream.push(zlib.subarray(at, at + INFLATE_STEP_BYTES), at + INFLATE_STEP_BYTES >= zlib.length);
  }
  if (total > maxBytes) return undefined;
  if (chunks.length === 1) return chunks[0];
  const bytes = new Uint8Array(total);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.length;
  }
  return bytes;
}

/** A binary WebSocket message's bytes: browsers give an ArrayBuffer (binaryType 'arraybuffer'), `ws` may give a Buffer. */
export function bytesOf(data: unknown): Uint8Array | undefined {
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  if (ArrayBuffer.isView(data)) return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  return undefined;
}
