import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { inflateSync } from 'node:zlib';
import { adler32, ENVELOPE_DICTIONARY, readZlibFrame, ZlibFrameKind } from '@odin-ws/protocol';
import { closeProducers, createTestTopic, produce, type ShardProcess, startShardProcess, waitFor } from '@odin-ws/testkit';
import { afterAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';

// docs/wire-vectors.json: the frames a real shard sends for each form, and the plain envelopes they must
// decode to, for implementers in other languages (docs/protocol.md). Regenerated here from a real shard and
// Kafka on every run: when the wire changes, this fails until the file is written again with
//   ODIN_WRITE_VECTORS=1 pnpm exec vitest run apps/cli/test/wire-vectors.test.ts

const VECTORS = new URL('../../../docs/wire-vectors.json', import.meta.url);

/** A raw client: every frame as it came, text or binary. */
class FrameRecorder {
  readonly frames: Array<{ binary: boolean; bytes: Buffer }> = [];
  private constructor(readonly socket: WebSocket) {
    socket.on('message', (data, isBinary) => this.frames.push({ binary: isBinary, bytes: Buffer.from(data as Buffer) }));
  }
  static async open(url: string, subscribe: Record<string, unknown>): Promise<FrameRecorder> {
    const socket = new WebSocket(url, { perMessageDeflate: false });
    await new Promise((resolve, reject) => socket.once('open', resolve).once('error', reject));
    const recorder = new FrameRecorder(socket);
    socket.send(JSON.stringify({ type: 'subscribe', data: subscribe }));
    await waitFor('the ack', () => recorder.frames.length > 0 || undefined);
    return recorder;
  }
  /** The frames after the ack. */
  data(): Array<{ binary: boolean; bytes: Buffer }> {
    return this.frames.slice(1);
  }
}

const book = (n: number) =>
  JSON.stringify({
    type: 'ORDERBOOK_UPDATE',
    timestamp: 1_764_250_000_000 + n,
    data: { symbol: 'VEC', seq: n, bids: [['182.41', `${n}.5`]], asks: [['182.43', '7']] },
  });
const trade = (n: number) =>
  JSON.stringify({
    type: 'TRADE_EXECUTED',
    timestamp: 1_764_250_100_000 + n,
    data: { symbol: 'VEC', tradeId: n, price: '182.42', qty: `0.${n}`, side: 'buy' },
  });
const level = (type: string, seq: number, extra: Record<string, unknown>) =>
  JSON.stringify({ type, timestamp: 1_764_250_200_000 + seq, data: { symbol: 'L2', seq, ...extra } });

const text = (frame: { bytes: Buffer }) => frame.bytes.toString('utf8');
const unmarked = (envelope: string) => envelope.replace('"snapshot":true,', '');

describe('docs/wire-vectors.json (regenerated from a real shard)', () => {
  let shard: ShardProcess | undefined;
  const recorders: FrameRecorder[] = [];

  afterAll(async () => {
    for (const recorder of recorders) recorder.socket.terminate();
    await shard?.stop();
    await closeProducers();
  });

  it('matches the frames a shard sends for every form, each decoding to the plain envelope', async () => {
    const [books, trades, l2] = await Promise.all([createTestTopic('vec-books', 2), createTestTopic('vec-trades', 1), createTestTopic('vec-l2', 1)]);
    shard = await startShardProcess({
      topics: [books, trades, l2],
      args: [`--channel-map=${books}=book,${trades}=trade,${l2}=book`, '--permessage-deflate=off'],
    });
    const open = async (subscribe: Record<string, unknown>) => {
      const recorder = await FrameRecorder.open(shard!.url, subscribe);
      recorders.push(recorder);
      return recorder;
    };
    // A book channel: the plain stream, then Fossil and deflate deltas from a snapshot, and a partition change.
    const plain = await open({ channels: ['VEC.book'] });
    await produce(books, [{ key: 'VEC', value: book(1), partition: 0 }]);
    await waitFor('record 1', () => plain.data().length === 1 || undefined);
    const fossil = await open({ channels: ['VEC.book'], snapshot: true, delta: 'fossil' });
    const deflate = await open({ channels: ['VEC.book'], snapshot: true, delta: 'deflate' });
    await waitFor('the snapshots', () => (fossil.data().length === 1 && deflate.data().length === 1) || undefined);
    for (const n of [2, 3, 4]) await produce(books, [{ key: 'VEC', value: book(n), partition: 0 }]);
    // Partitions are read independently: record 5 is produced only once record 4 is out, so it is the
    // one after the move on every run.
    await waitFor('records 2-4 everywhere', () => [plain, fossil, deflate].every((r) => r.data().length === 4) || undefined);
    await produce(books, [{ key: 'VEC', value: book(5), partition: 1 }]); // the channel moved partition
    await waitFor('records 2-5 everywhere', () => [plain, fossil, deflate].every((r) => r.data().length === 5) || undefined);
    // A trade channel, compressed once per record against the fixed dictionary.
    const plainTrades = await open({ channels: ['VEC.trade'] });
    const compressed = await open({ channels: ['VEC.trade'], compress: 'deflate' });
    for (const n of [1, 2]) await produce(trades, [{ key: 'VEC', value: trade(n) }]);
    await waitFor('the trades', () => (plainTrades.data().length === 2 && compressed.data().length === 2) || undefined);
    // A maintained book: its snapshot built by the shard, an update, each with the checksum.
    await produce(l2, [{ key: 'L2', value: level('BOOK_SNAPSHOT', 10, { bids: [['97250.1', '0.52']], asks: [['97250.2', '1.50']] }) }]);
    const maintained = await open({ channels: ['L2.book'], snapshot: true });
    await waitFor('the book snapshot', () => maintained.data().length === 1 || undefined);
    await produce(l2, [
      {
        key: 'L2',
        value: level('BOOK_UPDATE', 11, {
          prevSeq: 10,
          bids: [
            ['97250.1', '0'],
            ['97250.0', '2.00'],
          ],
          asks: [],
        }),
      },
    ]);
    await waitFor('the book update', () => maintained.data().length === 2 || undefined);

    const plainEnvelopes = plain.data().map(text);
    const plainTradeEnvelopes = plainTrades.data().map(text);
    const deltas = deflate.data();
    const vectors = {
      about:
        'Frames a real odin-ws shard sent (apps/cli/test/wire-vectors.test.ts regenerates them), and the plain envelopes they decode to. Text frames as UTF-8 text, binary frames as base64. docs/protocol.md says how to decode each.',
      dictionary: { text: ENVELOPE_DICTIONARY, adler32: adler32(new TextEncoder().encode(ENVELOPE_DICTIONARY)) },
      cases: [
        { name: 'plain', subscribe: { channels: ['VEC.book'] }, frames: plainEnvelopes, envelopes: plainEnvelopes },
        {
          name: 'fossil delta chain from a snapshot, a full envelope after the partition change',
          subscribe: { channels: ['VEC.book'], snapshot: true, delta: 'fossil' },
          frames: fossil.data().map(text),
          envelopes: plainEnvelopes,
        },
        {
          name: 'deflate delta chain from a snapshot (kind 2), kind 1 after the partition change',
          subscribe: { channels: ['VEC.book'], snapshot: true, delta: 'deflate' },
          frames: deltas.map((frame) => (frame.binary ? { base64: frame.bytes.toString('base64') } : text(frame))),
          envelopes: plainEnvelopes,
        },
        {
          name: 'compressed trades (kind 1)',
          subscribe: { channels: ['VEC.trade'], compress: 'deflate' },
          frames: compressed.data().map((frame) => ({ base64: frame.bytes.toString('base64') })),
          envelopes: plainTradeEnvelopes,
        },
        {
          name: 'a maintained book: its snapshot and an update, each with the checksum',
          subscribe: { channels: ['L2.book'], snapshot: true },
          frames: maintained.data().map(text),
          envelopes: maintained.data().map((frame) => unmarked(text(frame))),
        },
      ],
      invalid: invalidFrames(deltas[1]!.bytes, unmarked(text(deltas[0]!)), plainEnvelopes[2]!),
    };

    // Every binary frame decodes, with node's zlib, to the plain envelope: the vectors say what is true.
    let base = unmarked(text(deltas[0]!));
    for (const [i, frame] of deltas.entries()) {
      if (!frame.binary) continue;
      const decoded = decode(frame.bytes, base);
      expect(decoded, `deflate frame ${i}`).toBe(plainEnvelopes[i]);
      base = decoded!;
    }
    for (const [i, frame] of compressed.data().entries()) expect(decode(frame.bytes, undefined)).toBe(plainTradeEnvelopes[i]);
    expect(readZlibFrame(deltas.at(-1)!.bytes)?.kind).toBe(ZlibFrameKind.FULL); // after the partition change
    for (const bad of vectors.invalid) expect(decodeOrUndefined(Buffer.from(bad.frame, 'base64'), bad.base), bad.name).toBeUndefined();

    if (process.env['ODIN_WRITE_VECTORS'] === '1') writeFileSync(VECTORS, `${JSON.stringify(vectors, null, 2)}\n`);
    expect(existsSync(VECTORS), 'docs/wire-vectors.json').toBe(true);
    // Compared as JSON: the formatter may lay the file out its own way.
    expect(JSON.parse(readFileSync(VECTORS, 'utf8')), 'the wire changed: regenerate docs/wire-vectors.json (see the top of this file)').toEqual(vectors);
  }, 90_000);
});

/** Frames a client must refuse: each with the base it is tried against and why it fails. */
function invalidFrames(delta: Buffer, base: string, otherBase: string) {
  const flipped = Buffer.from(delta);
  flipped[flipped.length - 8]! ^= 0x01;
  const unknownKind = Buffer.from(delta);
  unknownKind[0] = 9;
  return [
    { name: 'a kind 2 delta tried against another base: the dictionary id does not match', frame: delta.toString('base64'), base: otherBase },
    { name: 'one byte flipped in the stream: the Adler-32 of the text does not match', frame: flipped.toString('base64'), base },
    { name: 'the stream cut short: it never ends', frame: delta.subarray(0, delta.length - 6).toString('base64'), base },
    { name: 'an unknown kind byte (9): ignore the frame', frame: unknownKind.toString('base64'), base },
  ];
}

/** A binary frame's envelope text, as docs/protocol.md says to decode it; throws when it must be refused. */
function decode(bytes: Buffer, base: string | undefined): string {
  const frame = readZlibFrame(bytes);
  if (frame === undefined) throw new Error('not a frame of a known kind');
  const dictionary = frame.kind === ZlibFrameKind.FULL ? Buffer.from(ENVELOPE_DICTIONARY) : Buffer.from(base ?? '');
  // node's inflate checks the dictionary id, the trailer's Adler-32 and that the stream ended.
  return inflateSync(Buffer.from(frame.zlib), { dictionary }).toString('utf8');
}

function decodeOrUndefined(bytes: Buffer, base: string): string | undefined {
  try {
    return decode(bytes, base);
  } catch {
    return undefined;
  }
}
