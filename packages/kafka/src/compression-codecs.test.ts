import { CompressionTypes } from 'kafkajs';
import { compressSync as snappyRaw } from 'snappy';
import { describe, expect, it } from 'vitest';
import { codecFor, registerCompressionCodecs, ZSTD_MAX_BATCH_BYTES } from './compression-codecs.js';

registerCompressionCodecs();
const text = Buffer.from(JSON.stringify({ type: 'TRADE_EXECUTED', data: { price: 42_000.5, note: 'x'.repeat(2000) } }));

const RLE_BLOCK = 128 * 1024;

/**
 * A zstd frame (RFC 8878) of RLE blocks: each block is 4 bytes that stand for 128 KB of one byte, so
 * a few kilobytes claim hundreds of megabytes, built by hand rather than by compressing that much.
 */
function zstdRunBomb(bytes: number): Buffer {
  const blocks = Math.ceil(bytes / RLE_BLOCK);
  const frame = Buffer.alloc(6 + blocks * 4);
  frame.writeUInt32LE(0xfd2fb528, 0); // magic
  frame[4] = 0x00; // frame header: no content size, no checksum, no dictionary, a window descriptor follows
  frame[5] = 7 << 3; // window 2^(10+7) = 128 KB
  for (let block = 0; block < blocks; block++) {
    const last = block === blocks - 1 ? 1 : 0;
    frame.writeUIntLE((RLE_BLOCK << 3) | (1 << 1) | last, 6 + block * 4, 3); // RLE block of 128 KB
    frame[6 + block * 4 + 3] = 0x61;
  }
  return frame;
}

/** What a Java producer writes: xerial's SnappyOutputStream framing around raw snappy blocks. */
function xerialFramed(blocks: Buffer[]): Buffer {
  const header = Buffer.alloc(16);
  Buffer.from([0x82, 0x53, 0x4e, 0x41, 0x50, 0x50, 0x59, 0x00]).copy(header);
  header.writeInt32BE(1, 8);
  header.writeInt32BE(1, 12);
  const parts = blocks.map((block) => {
    const compressed = snappyRaw(block);
    const length = Buffer.alloc(4);
    length.writeUInt32BE(compressed.length);
    return Buffer.concat([length, compressed]);
  });
  return Buffer.concat([header, ...parts]);
}

describe('compression codecs', () => {
  it.each([CompressionTypes.Snappy, CompressionTypes.LZ4] as const)('%s compresses and decompresses back to the same bytes', async (type) => {
    const codec = codecFor(type);
    const compressed = await codec.compress({ buffer: text });
    expect(compressed.length).toBeLessThan(text.length);
    expect(await codec.decompress(compressed)).toEqual(text);
  });

  it('reads snappy in the xerial framing Java producers write, over several blocks', async () => {
    const halves = [text.subarray(0, 1000), text.subarray(1000)];
    expect(await codecFor(CompressionTypes.Snappy).decompress(xerialFramed(halves))).toEqual(text);
  });

  it('refuses a cut xerial stream with a code instead of returning part of it', async () => {
    const framed = xerialFramed([text]);
    await expect(codecFor(CompressionTypes.Snappy).decompress(framed.subarray(0, framed.length - 5))).rejects.toMatchObject({ code: 'E_CODEC_CORRUPT' });
  });

  it('reads zstd written by another implementation, and writes what it reads back', async () => {
    // "hello" as the zstd command line writes it (with a checksum): a frame made by another implementation.
    const frame = Buffer.from('KLUv/QRYKQAAaGVsbG+jbZ+I', 'base64');
    expect((await codecFor(CompressionTypes.ZSTD).decompress(frame)).toString()).toBe('hello');
    const written = await codecFor(CompressionTypes.ZSTD).compress({ buffer: text });
    expect(written.length).toBeLessThan(text.length);
    expect(await codecFor(CompressionTypes.ZSTD).decompress(written)).toEqual(text);
  });

  it('refuses a cut, corrupt or bomb zstd batch with a code instead of returning part of it', async () => {
    const written = await codecFor(CompressionTypes.ZSTD).compress({ buffer: text });
    await expect(codecFor(CompressionTypes.ZSTD).decompress(written.subarray(0, written.length - 3))).rejects.toMatchObject({ code: 'E_CODEC_CORRUPT' });
    await expect(codecFor(CompressionTypes.ZSTD).decompress(Buffer.from('not zstd at all'))).rejects.toMatchObject({ code: 'E_CODEC_CORRUPT' });
    // 2 kB that claim 64 MB and more: past the bound, refused before it is all allocated.
    const bomb = zstdRunBomb(ZSTD_MAX_BATCH_BYTES + 2 * RLE_BLOCK);
    expect(bomb.length).toBeLessThan(4_000);
    await expect(codecFor(CompressionTypes.ZSTD).decompress(bomb)).rejects.toMatchObject({ code: 'E_CODEC_CORRUPT' });
    // The same construction under the bound decodes: the refusal above is the bound's, not a bad frame's.
    expect((await codecFor(CompressionTypes.ZSTD).decompress(zstdRunBomb(4 * RLE_BLOCK))).length).toBe(4 * RLE_BLOCK);
  });
});
