import * as zlib from 'node:zlib';
import { describeError, OdinError } from '@odin-ws/errors';
import kafkajs, { CompressionTypes } from 'kafkajs';
import { compressFrame as lz4CompressFrame, decompressFrame as lz4DecompressFrame } from 'lz4-napi';
import { compress as snappyCompress, uncompress as snappyUncompress } from 'snappy';

/**
 * kafkajs ships gzip only: a topic written with snappy, lz4 or zstd (the defaults of many
 * producers) makes it throw on every batch. These codecs fill kafkajs' registry, each on a
 * maintained library with prebuilt binaries (snappy and lz4-napi, both napi-rs) or on Node itself
 * (zstd: node:zlib, both ways). Registered once, on import of the kafkajs client.
 */
// Hazard: kafkajs is CommonJS and Node's ESM loader does not see CompressionCodecs as a named export.
const { CompressionCodecs } = kafkajs;

interface Codec {
  compress(encoder: { buffer: Buffer }): Promise<Buffer>;
  decompress(buffer: Buffer): Promise<Buffer>;
}

/**
 * Java producers frame snappy the way xerial's SnappyOutputStream does: a 16-byte header (magic,
 * version, compatible version), then blocks of a 4-byte big-endian length and raw snappy.
 * librdkafka and kcat write raw snappy. Both are read; raw snappy is written, which every client reads.
 */
const XERIAL_MAGIC = Buffer.from([0x82, 0x53, 0x4e, 0x41, 0x50, 0x50, 0x59, 0x00]);
const XERIAL_HEADER_BYTES = 16;

async function snappyDecompress(buffer: Buffer): Promise<Buffer> {
  if (buffer.length < XERIAL_HEADER_BYTES || !buffer.subarray(0, XERIAL_MAGIC.length).equals(XERIAL_MAGIC)) {
    return (await snappyUncompress(buffer)) as Buffer;
  }
  const blocks: Buffer[] = [];
  for (let offset = XERIAL_HEADER_BYTES; offset < buffer.length; ) {
    if (offset + 4 > buffer.length) throw corrupt('snappy', 'a xerial block header is cut short');
    const length = buffer.readUInt32BE(offset);
    offset += 4;
    if (offset + length > buffer.length) throw corrupt('snappy', 'a xerial block is cut short');
    blocks.push((await snappyUncompress(buffer.subarray(offset, offset + length))) as Buffer);
    offset += length;
  }
  return Buffer.concat(blocks);
}

const snappyCodec: Codec = {
  compress: async ({ buffer }) => snappyCompress(buffer),
  decompress: snappyDecompress,
};

/** Kafka's lz4 is the standard LZ4 frame format (since message format v1). */
const lz4Codec: Codec = {
  compress: async ({ buffer }) => lz4CompressFrame(buffer),
  decompress: async (buffer) => lz4DecompressFrame(buffer),
};

// Hazard: zstd is in node:zlib since Node 22.15 and 23.8. A named import would fail to link this module on
// an older Node, and with it `odin-ws --help`: read from the namespace when used, it is merely absent there.
function zstd(operation: typeof zlib.zstdCompress, buffer: Buffer, options: zlib.ZstdOptions = {}): Promise<Buffer> {
  return new Promise((resolve, reject) => operation(buffer, options, (error, result) => (error ? reject(error) : resolve(result))));
}

/**
 * Hazard: a few kilobytes of zstd can claim gigabytes. A batch is at most the broker's
 * message.max.bytes compressed (1 MB by default) and records are at most --max-record-size each, so
 * a batch that inflates past 64 MB is refused rather than allocated.
 */
export const ZSTD_MAX_BATCH_BYTES = 64 * 1024 * 1024;

const zstdCodec: Codec = {
  compress: async ({ buffer }) => zstd(zlib.zstdCompress, buffer),
  decompress: async (buffer) => {
    try {
      return await zstd(zlib.zstdDecompress, buffer, { maxOutputLength: ZSTD_MAX_BATCH_BYTES });
    } catch (error) {
      throw corrupt('zstd', describeError(error));
    }
  },
};

function corrupt(codec: string, what: string): OdinError {
  return new OdinError('E_CODEC_CORRUPT', `${codec}: ${what}`, { codec });
}

let registered = false;

export function registerCompressionCodecs(): void {
  if (registered) return;
  registered = true;
  CompressionCodecs[CompressionTypes.Snappy] = () => snappyCodec;
  CompressionCodecs[CompressionTypes.LZ4] = () => lz4Codec;
  CompressionCodecs[CompressionTypes.ZSTD] = () => zstdCodec;
}

/** For tests: the codec kafkajs will use for a compression type. */
export function codecFor(type: Exclude<CompressionTypes, CompressionTypes.None>): Codec {
  const factory = CompressionCodecs[type] as unknown as (() => Codec) | undefined;
  if (!factory) throw new OdinError('E_CODEC_UNSUPPORTED', `no codec for compression type ${type}`, { codec: type });
  return factory();
}
