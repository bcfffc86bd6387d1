import { inflateSync } from 'node:zlib';
import { OdinClient, type StreamMessage } from '@odin-ws/client';
import { MarketDataGenerator } from '@odin-ws/feed';
import { readZlibFrame, ZlibFrameKind, zlibFrameDictionary } from '@odin-ws/protocol';
import { createTestTopic, OpenedClients, produce, type ShardProcess, startShardProcess, type TestClient, waitFor } from '@odin-ws/testkit';
import { applyStringDelta } from 'fossil-delta';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const RECORDS = 80;

/**
 * Deltas on a real shard, on realistic book updates: a subscription that asks for them gets a full
 * snapshot, then each record as a delta from the previous; applying them (with the checksums
 * checked, by `fossil-delta` and node's zlib: libraries we did not write) rebuilds exactly what a
 * plain subscriber reads, record for record, in far fewer bytes.
 */
describe('delta subscriptions (real shard, realistic books)', () => {
  let topic: string;
  let shard: ShardProcess;
  const clients = new OpenedClients();
  const generator = new MarketDataGenerator(['SOL'], { books: 'full' });
  const next = () => ({ key: 'SOL', value: generator.next('book', Date.now()).value });

  /**
   * A plain subscriber that has seen one new record live, so the shard holds it: the state a delta
   * subscriber starts from (its snapshot). The plain one's messages start with that record.
   */
  async function plainAtState() {
    const plain = await clients.connect(shard.url);
    await plain.subscribe(['SOL.book']);
    await produce(topic, [next()]);
    await plain.waitForData(1, 'SOL.book');
    return plain;
  }

  /**
   * Produces RECORDS book updates and waits for `plain` to have them and for `done`: the plain
   * envelopes (the state first) and the wire bytes `other` read for them, as a share of plain's.
   */
  async function produceUpdates(plain: TestClient, other: TestClient, label: string, done: () => boolean = () => true) {
    const before = [plain.wireBytesRead, other.wireBytesRead] as const;
    await produce(topic, Array.from({ length: RECORDS }, next));
    const full = await plain.waitForData(RECORDS + 1, 'SOL.book');
    await waitFor(`every ${label} update`, done, 15_000);
    const ratio = (other.wireBytesRead - before[1]) / (plain.wireBytesRead - before[0]);
    console.log(`[deltas] ${label}: ${ratio.toFixed(3)}x the wire bytes of plain envelopes, over ${RECORDS} realistic book updates`);
    return { full, ratio };
  }

  /** Binary frames of one kind inflated in turn, each delta against the envelope before it (from `base`), parsed. */
  function inflateFrames(frames: Buffer[], kind: ZlibFrameKind, base?: string): unknown[] {
    return frames.map((bytes) => {
      const frame = readZlibFrame(bytes)!;
      expect([frame.kind, frame.channel]).toEqual([kind, 'SOL.book']);
      base = inflateSync(frame.zlib, { dictionary: zlibFrameDictionary(frame.kind, base) }).toString();
      return JSON.parse(base);
    });
  }

  beforeAll(async () => {
    topic = await createTestTopic('deltas', 1);
    shard = await startShardProcess({ topics: [topic], args: [`--channel-map=${topic}=book`] });
  }, 60_000);

  afterAll(async () => {
    clients.terminateAll();
    await shard?.stop();
  });

  it('fossil: rebuilds every envelope of a plain subscriber exactly, from the snapshot on, in a fraction of the bytes', async () => {
    const plain = await plainAtState();
    const delta = await clients.connect(shard.url);
    const ack = await delta.request({ type: 'subscribe', data: { channels: ['SOL.book'], delta: 'fossil' } }, 'subscription_ack');
    expect(ack).toMatchObject({ snapshots: ['SOL.book'], deltas: ['SOL.book'] });
    const { full, ratio } = await produceUpdates(plain, delta, 'fossil', () => delta.dataMessages('SOL.book').length >= RECORDS + 1);
    const received = delta.dataMessages('SOL.book');

    // The snapshot is full; every later one is a delta from the one before. (The feed writes its
    // values with JSON.stringify, so re-serializing the parsed data gives back its exact text.)
    expect(received[0]).toMatchObject({ snapshot: true, data: full[0]!['data'] });
    let base = JSON.stringify(received[0]!['data']);
    for (let i = 1; i <= RECORDS; i++) {
      const envelope = received[i]! as { pos: { offset: number }; delta: { base: number; fossil: string } };
      expect(envelope.delta.base).toBe((received[i - 1]!['pos'] as { offset: number }).offset);
      base = applyStringDelta(base, envelope.delta.fossil, { verifyChecksum: true });
      expect(JSON.parse(base)).toEqual(full[i]!['data']);
      expect(envelope.pos).toEqual(full[i]!['pos']);
    }
    expect(ratio).toBeLessThan(0.5);
  });

  it('deflate: binary frames inflate to the plain envelopes byte for byte, in about a tenth of the bytes', async () => {
    const plain = await plainAtState();
    const deflated = await clients.connect(shard.url);
    const ack = await deflated.request({ type: 'subscribe', data: { channels: ['SOL.book'], delta: 'deflate' } }, 'subscription_ack');
    expect(ack).toMatchObject({ snapshots: ['SOL.book'], deltas: ['SOL.book'] });
    const snapshot = (await deflated.waitForData(1, 'SOL.book'))[0]!;
    const { full, ratio } = await produceUpdates(plain, deflated, 'deflate deltas', () => deflated.binaryMessages.length >= RECORDS);
    // A delta's base is the previous envelope as the shard wrote it: the snapshot without its mark, then each rebuilt one.
    expect(inflateFrames(deflated.binaryMessages, ZlibFrameKind.DELTA, JSON.stringify({ ...snapshot, snapshot: undefined }))).toEqual(full.slice(1));
    expect(ratio).toBeLessThan(0.2);
  });

  it('compress: each envelope comes as a deflate frame against the fixed dictionary, the plain envelope byte for byte; the SDK takes them with compress: true', async () => {
    const plain = await plainAtState();
    const compressed = await clients.connect(shard.url);
    const ack = await compressed.request({ type: 'subscribe', data: { channels: ['SOL.book'], compress: 'deflate' } }, 'subscription_ack');
    expect(ack).toMatchObject({ compressed: ['SOL.book'] });
    const sdk = new OdinClient({ url: shard.url }).connect();
    try {
      const messages: StreamMessage[] = [];
      await sdk.subscribe('SOL.book', { compress: true }, (message) => messages.push(message)).ready;
      await waitFor('the snapshot', () => messages.length === 1, 10_000);
      const done = () => compressed.binaryMessages.length >= RECORDS && messages.length === RECORDS + 1;
      const { full, ratio } = await produceUpdates(plain, compressed, 'compressed frames', done);
      expect(inflateFrames(compressed.binaryMessages, ZlibFrameKind.FULL)).toEqual(full.slice(1));
      expect(messages.map(({ pos, ts, data }) => ({ pos, ts, data }))).toEqual(full.map(({ pos, ts, data }) => ({ pos, ts, data })));
      expect(ratio).toBeLessThan(0.5);
    } finally {
      sdk.close();
    }
  });

  it('the SDK asks for deflate deltas with delta: true and hands over what a plain subscriber gets', async () => {
    const plain = await plainAtState();
    const sdk = new OdinClient({ url: shard.url }).connect();
    try {
      const messages: StreamMessage[] = [];
      const recoveries: unknown[] = [];
      sdk.on('recovery', (event) => recoveries.push(event));
      await sdk.subscribe('SOL.book', { delta: true }, (message) => messages.push(message)).ready;
      await waitFor('the snapshot', () => messages.length === 1, 10_000);
      await produce(topic, Array.from({ length: RECORDS }, next));
      const full = await plain.waitForData(RECORDS + 1, 'SOL.book');
      await waitFor('every update', () => messages.length === RECORDS + 1, 15_000);
      expect(messages.map(({ pos, ts, data, snapshot }) => ({ pos, ts, data, snapshot }))).toEqual(
        full.map(({ pos, ts, data }, i) => ({ pos, ts, data, snapshot: i === 0 })),
      );
      expect(recoveries).toEqual([]);
    } finally {
      sdk.close();
    }
  });
});
