import { buildEnvelope, type StreamPosition, type ZlibFrame, ZlibFrameKind, zlibFrameDictionary, zlibStreamMatches } from '@odin-ws/protocol';
import { unzlibSync } from 'fflate';

/** What a delta subscription holds of its last message: the next delta applies to it. */
export interface DeltaBase {
  channel: string;
  pos: StreamPosition;
  ts: number;
  /** The data's exact text as the server sent it. */
  dataJson: string;
}

const decoder = new TextDecoder('utf-8', { fatal: true });

/**
 * The envelope text a binary frame carries (zlib-frame.ts in @odin-ws/protocol), or undefined
 * when it cannot be rebuilt exactly: a delta with no base held, a base other than the server's (the
 * zlib header's dictionary id), a corrupted stream (its Adler-32), or bytes that are not UTF-8.
 * fflate, which runs in browsers and Node alike, checks neither id nor checksum itself.
 */
export function inflateZlibFrame(frame: ZlibFrame, base: DeltaBase | undefined): string | undefined {
  if (frame.kind === ZlibFrameKind.DELTA && base === undefined) return undefined;
  // The server's base is its previous envelope exactly as buildEnvelope wrote it; rebuilt here from its parts.
  const baseEnvelope =
    base && buildEnvelope({ channel: base.channel, partition: base.pos.partition, offset: base.pos.offset, ts: base.ts, dataJson: base.dataJson });
  const dictionary = zlibFrameDictionary(frame.kind, baseEnvelope);
  try {
    const bytes = unzlibSync(frame.zlib, { dictionary });
    return zlibStreamMatches(frame.zlib, dictionary, bytes) ? decoder.decode(bytes) : undefined;
  } catch {
    return undefined;
  }
}

/** A binary WebSocket message's bytes: browsers give an ArrayBuffer (binaryType 'arraybuffer'), `ws` may give a Buffer. */
export function bytesOf(data: unknown): Uint8Array | undefined {
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  if (ArrayBuffer.isView(data)) return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  return undefined;
}
