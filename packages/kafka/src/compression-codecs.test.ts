import { CompressionTypes } from 'kafkajs';
import { compressSync as snappyRaw } from 'snappy';
import { describe, expect, it } from 'vitest';
import { codecFor, registerCompressionCodecs } from './compression-codecs.js';

registerCompressionCodecs();
const text = Buffer.from(JSON.stringify({ type: 'TRADE_EXECUTED', data: { price: 42_000.5, note: 'x'.repeat(2000) } }));

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

  it('reads zstd, and says clearly that it does not write it', async () => {
    // "hello" as the zstd command line writes it (with a checksum): a frame made by another implementation.
    const frame = Buffer.from('KLUv/QRYKQAAaGVsbG+jbZ+I', 'base64');
    expect((await codecFor(CompressionTypes.ZSTD).decompress(frame)).toString()).toBe('hello');
    await expect(codecFor(CompressionTypes.ZSTD).compress({ buffer: text })).rejects.toMatchObject({ code: 'E_CODEC_UNSUPPORTED' });
  });
});
