import { MarketDataGenerator } from '@odin-ws/feed';
import { createTestTopic, OpenedClients, produce, type ShardProcess, startShardProcess, type TestClient } from '@odin-ws/testkit';
import { applyStringDelta } from 'fossil-delta';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const RECORDS = 80;

/**
 * Fossil deltas on a real shard, on realistic book updates: a subscription that asks for them gets
 * a full snapshot, then each record as a delta from the previous; applying them (with the checksum
 * checked, as `fossil-delta` does: a library we did not write) rebuilds exactly what a plain
 * subscriber reads, record for record, in far fewer bytes.
 */
describe('delta subscriptions (real shard, realistic books)', () => {
  let topic: string;
  let shard: ShardProcess;
  const clients = new OpenedClients();

  beforeAll(async () => {
    topic = await createTestTopic('deltas', 1);
    shard = await startShardProcess({ topics: [topic], args: [`--channel-map=${topic}=book`] });
  }, 60_000);

  afterAll(async () => {
    clients.terminateAll();
    await shard?.stop();
  });

  it('rebuilds every envelope of a plain subscriber exactly, from the snapshot on, in a fraction of the bytes', async () => {
    const generator = new MarketDataGenerator(['SOL']);
    const next = () => ({ key: 'SOL', value: generator.next('book', Date.now()).value });
    await produce(topic, [next()]); // the state the delta subscriber starts from
    const plain = await clients.connect(shard.url);
    const delta = await clients.connect(shard.url);
    await plain.request({ type: 'subscribe', data: { channels: ['SOL.book'], snapshot: true } }, 'subscription_ack');
    const ack = await delta.request({ type: 'subscribe', data: { channels: ['SOL.book'], delta: 'fossil' } }, 'subscription_ack');
    expect(ack).toMatchObject({ snapshots: ['SOL.book'], deltas: ['SOL.book'] });
    const before = [plain.wireBytesRead, delta.wireBytesRead];
    await produce(topic, Array.from({ length: RECORDS }, next));
    const full = await plain.waitForData(RECORDS + 1, 'SOL.book');
    const received = await delta.waitForData(RECORDS + 1, 'SOL.book');
    const bytes = [plain.wireBytesRead - before[0]!, delta.wireBytesRead - before[1]!];

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
    console.log(`[deltas] wire bytes for ${RECORDS} realistic book updates: full ${bytes[0]}, delta ${bytes[1]} (${(bytes[1]! / bytes[0]!).toFixed(2)}x)`);
    expect(bytes[1]! / bytes[0]!).toBeLessThan(0.5);
  });
});
