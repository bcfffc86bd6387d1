import { OdinClient, type RecoveryEvent, type StreamMessage } from '@odin-ws/client';
import {
  closeProducers,
  createTestTopic,
  type FrameDroppingProxy,
  produce,
  type ShardProcess,
  seedValue,
  startFrameDroppingProxy,
  startShardProcess,
  TestClient,
  waitFor,
} from '@odin-ws/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// Streams a client can verify (docs/protocol.md, "Continuity"): every envelope names in `prev` the
// channel's previous envelope on its partition, every shard names the same one, and the SDK that never
// got a record notices it from `prev` alone and resumes.

type Envelope = Record<string, unknown> & { pos: { partition: number; offset: number }; prev: number | null };
const nOf = (envelope: Record<string, unknown>) => (envelope['data'] as { data: { n: number } }).data.n;

describe('stream continuity: prev on every envelope (real shards, Kafka, the SDK)', () => {
  let topic: string;
  const shards: ShardProcess[] = [];
  let proxy: FrameDroppingProxy | undefined;
  const clients: TestClient[] = [];

  beforeAll(async () => {
    topic = await createTestTopic('continuity', 1);
    const args = [`--channel-map=${topic}=trade`, '--permessage-deflate=off'];
    shards.push(...(await Promise.all([startShardProcess({ topics: [topic], args }), startShardProcess({ topics: [topic], args })])));
  }, 60_000);

  afterAll(async () => {
    for (const client of clients) client.terminate();
    await proxy?.close();
    await Promise.all(shards.map((shard) => shard.stop()));
    await closeProducers();
  });

  /** `count` records of `key` on the one partition, each followed by one of OTHER: the channel's offsets skip. */
  const produceInterleaved = (key: string, from: number, count: number) =>
    produce(
      topic,
      Array.from({ length: count }, (_, i) => [
        { key, value: seedValue({ n: from + i }) },
        { key: 'OTHER', value: seedValue({ n: from + i }) },
      ]).flat(),
    );

  it('chains each envelope to the previous one of its channel, the same on every shard and in a replay', async () => {
    const [a, b] = await Promise.all(shards.map(async (shard) => TestClient.connect(shard.url)));
    clients.push(a!, b!);
    await Promise.all([a!.subscribe(['CH.trade']), b!.subscribe(['CH.trade'])]);
    await produceInterleaved('CH', 1, 20);
    const [onA, onB] = await Promise.all([a!.waitForData(20, 'CH.trade'), b!.waitForData(20, 'CH.trade')]);
    const chain = onA as Envelope[];
    for (let i = 1; i < chain.length; i++) expect(chain[i]!.prev, `record ${i}`).toBe(chain[i - 1]!.pos.offset);
    // Offsets skip within the channel (OTHER's records sit between), so prev is what shows nothing was missed.
    expect(chain[1]!.pos.offset - chain[0]!.pos.offset).toBe(2);
    expect(onB).toEqual(onA);
    // A replay after `since` carries the same envelopes, byte for byte the same prev.
    const late = await TestClient.connect(shards[1]!.url);
    clients.push(late);
    await late.request({ type: 'subscribe', data: { channels: ['CH.trade'], since: { 'CH.trade': chain[4]!.pos } } }, 'subscription_ack');
    const replayed = await late.waitForData(15, 'CH.trade');
    expect(replayed).toEqual(onA.slice(5));
  }, 60_000);

  it('the SDK that never got a record (dropped on the way) emits GAP_DETECTED, resumes, and ends with every record exactly once', async () => {
    let seen = 0;
    // The 10th GAP.trade envelope never reaches the SDK.
    proxy = await startFrameDroppingProxy({ host: '127.0.0.1', port: shards[0]!.port }, (text) => text.includes('"channel":"GAP.trade"') && ++seen === 10);
    const odin = new OdinClient({ url: proxy.url, backoff: { initialMs: 50, maxMs: 200 } }).connect();
    const recoveries: RecoveryEvent[] = [];
    odin.on('recovery', (event) => recoveries.push(event));
    const messages: StreamMessage[] = [];
    try {
      const subscription = odin.subscribe('GAP.trade', (message) => messages.push(message));
      await subscription.ready;
      await produceInterleaved('GAP', 1, 30);
      await waitFor('all 30 records in the SDK', () => (messages.length >= 30 ? true : undefined), 20_000);
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(proxy.dropped).toHaveLength(1);
      expect(messages.map((message) => nOf(message as unknown as Record<string, unknown>))).toEqual(Array.from({ length: 30 }, (_, i) => i + 1));
      expect(recoveries).toEqual([
        { channel: 'GAP.trade', recovered: false, reason: 'GAP_DETECTED', resumedFrom: messages[8]!.pos },
        { channel: 'GAP.trade', recovered: true, replayed: expect.any(Number) },
      ]);
      // The record it missed came back from the server's history, flagged as replayed.
      expect(messages[9]!.replayed).toBe(true);
    } finally {
      odin.close();
    }
  }, 60_000);
});
