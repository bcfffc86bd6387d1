import { deflateSync, inflateSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { adler32, ENVELOPE_DICTIONARY, readZlibFrame, ZlibFrameKind, zlibFrameDictionary, zlibFrameHeader, zlibStreamMatches } from './zlib-frame.js';

const envelope = '{"type":"price:update","channel":"SOL.book","pos":{"partition":0,"offset":7},"ts":1,"data":{"seq":7,"bids":[[182.4,3]]}}';
const base = envelope.replace('"offset":7', '"offset":6').replace('"seq":7', '"seq":6');

describe('deflate frames', () => {
  it("computes Adler-32 as zlib does, also past the sums' modulo runs", () => {
    for (const text of ['', 'a', envelope, 'x'.repeat(70_000), '\u00ff'.repeat(20_000)]) {
      const stream = deflateSync(text);
      expect(adler32(new TextEncoder().encode(text))).toBe(stream.readUInt32BE(stream.length - 4));
    }
  });

  it('reads back the header it writes, and a delta inflates with its base', () => {
    const dictionary = zlibFrameDictionary(ZlibFrameKind.DELTA, base);
    const zlib = deflateSync(envelope, { dictionary });
    const frame = readZlibFrame(Buffer.concat([zlibFrameHeader(ZlibFrameKind.DELTA, 'SOL.book'), zlib]))!;
    expect(frame.kind).toBe(ZlibFrameKind.DELTA);
    expect(frame.channel).toBe('SOL.book');
    const inflated = inflateSync(frame.zlib, { dictionary });
    expect(inflated.toString()).toBe(envelope);
    expect(zlibStreamMatches(frame.zlib, dictionary, inflated)).toBe(true);
    // Another base or another text: either check says no.
    expect(zlibStreamMatches(frame.zlib, zlibFrameDictionary(ZlibFrameKind.DELTA, envelope), inflated)).toBe(false);
    expect(zlibStreamMatches(frame.zlib, dictionary, Buffer.from(base))).toBe(false);
    expect(zlibFrameDictionary(ZlibFrameKind.FULL, base)).toEqual(new TextEncoder().encode(ENVELOPE_DICTIONARY));
  });

  it('says a binary frame is not one when its kind is unknown, its channel length is 0 or its bytes end early', () => {
    const zlib = deflateSync(envelope);
    const header = zlibFrameHeader(ZlibFrameKind.FULL, 'SOL.book');
    expect(readZlibFrame(new Uint8Array())).toBeUndefined();
    expect(readZlibFrame(Buffer.concat([Buffer.from([3]), header.subarray(1), zlib]))).toBeUndefined();
    expect(readZlibFrame(Buffer.concat([Buffer.from([1, 0]), zlib]))).toBeUndefined();
    expect(readZlibFrame(Buffer.from([1, 200, 65, 66]))).toBeUndefined();
    expect(readZlibFrame(Buffer.concat([header, zlib.subarray(0, 6)]))).toBeUndefined();
  });
});
