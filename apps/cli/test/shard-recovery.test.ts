import {
  closeProducers,
  createTestTopic,
  maskedTextFrame,
  metricValue,
  produce,
  rawWebSocket,
  type ShardProcess,
  sleep,
  startShardProcess,
  TestClient,
  waitFor,
} from '@odin-ws/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

interface Position {
  partition: number;
  offset: number;
}

function numbered(from: number, count: number, key = 'BTC') {
  return Array.from({ length: count }, (_, i) => ({ key, value: JSON.stringify({ type: 'TRADE_EXECUTED', timestamp: Date.now(), data: { n: from + i } }) }));
}

function sequence(messages: Array<Record<string, unknown>>): number[] {
  return messages.map((m) => (m['data'] as { data: { n: number } }).data.n);
}

function lastPosition(messages: Array<Record<string, unknown>>): Position {
  return messages[messages.length - 1]!['pos'] as Position;
}

describe('recovery: resuming a channel from its last position, on another shard (real Kafka)', () => {
  let topic: string;
  const shards: ShardProcess[] = [];
  const clients: TestClient[] = [];
  const startShard = async (args: string[] = []) => {
    const shard = await startShardProcess({ topics: [topic], args: [`--channel-map=${topic}=trade`, ...args] });
    shards.push(shard);
    return shard;
  };
  const connect = async (shard: ShardProcess) => {
    const client = await TestClient.connect(shard.url);
    clients.push(client);
    return client;
  };
  const resume = (client: TestClient, since: Record<string, Position>, channels = Object.keys(since)) =>
    client.request({ type: 'subscribe', data: { channels, since } }, 'subscription_ack');

  beforeAll(async () => {
    topic = await createTestTopic('recovery', 3);
  });

  afterAll(async () => {
    for (const client of clients) client.terminate();
    await Promise.all(shards.map((shard) => shard.stop()));
    await closeProducers();
  });

  it('replays what a client missed on another shard, then continues live with no gap and no duplicate', async () => {
    const [first, second] = [await startShard(), await startShard()];
    const before = await connect(first);
    await before.subscribe(['BTC.trade']);
    await produce(topic, numbered(0, 5));
    const seen = await before.waitForData(5, 'BTC.trade');
    before.terminate();

    await produce(topic, numbered(5, 7)); // produced while the client was away
    await sleep(300); // let the other shard consume them: they must come from its history
    const after = await connect(second);
    const ack = await resume(after, { 'BTC.trade': lastPosition(seen) });
    expect(ack).toEqual({ type: 'subscription_ack', subscribed: ['BTC.trade'], count: 1, recovery: { 'BTC.trade': { recovered: true, replayed: 7 } } });
    await produce(topic, numbered(12, 3));
    const resumed = await after.waitForData(10, 'BTC.trade');
    await sleep(200);
    expect(sequence(after.dataMessages('BTC.trade'))).toEqual(Array.from({ length: 10 }, (_, i) => i + 5));
    // The envelopes are byte-identical in what a client reads, whichever shard sent them.
    expect(resumed[0]!['pos']).toEqual({ partition: lastPosition(seen).partition, offset: lastPosition(seen).offset + 1 });
    expect(metricValue(await second.metrics(), 'ws_recoveries_total', { result: 'recovered' })).toBe(1);
    expect(metricValue(await second.metrics(), 'ws_replayed_frames_total')).toBe(7);
    expect(metricValue(await second.metrics(), 'ws_history_entries')).toBeGreaterThanOrEqual(15);
  });

  it('fills its history on start, so a shard started after the records can still resume a client', async () => {
    const feeder = await connect(shards[0]!);
    await feeder.subscribe(['ETH.trade']);
    await produce(topic, numbered(0, 4, 'ETH'));
    const seen = await feeder.waitForData(4, 'ETH.trade');
    const fresh = await startShard();
    const client = await connect(fresh);
    const ack = await resume(client, { 'ETH.trade': seen[1]!['pos'] as Position });
    expect(ack['recovery']).toEqual({ 'ETH.trade': { recovered: true, replayed: 2 } });
    await client.waitForData(2, 'ETH.trade');
    expect(sequence(client.dataMessages('ETH.trade'))).toEqual([2, 3]);
    expect((await fresh.health())['status']).toBe('ok');
  });

  it('says POSITION_TOO_OLD past the history, UNKNOWN_POSITION on another partition, and still streams live', async () => {
    const small = await startShard(['--history-size=2']);
    const client = await connect(small);
    await client.subscribe(['SOL.trade']);
    await produce(topic, numbered(0, 5, 'SOL'));
    const seen = await client.waitForData(5, 'SOL.trade');
    const other = await connect(small);
    const { partition, offset } = seen[0]!['pos'] as Position;
    const ack = await other.request(
      {
        type: 'subscribe',
        data: { channels: ['SOL.trade', 'XRP.trade'], since: { 'SOL.trade': { partition, offset }, 'XRP.trade': { partition: 99, offset: 1 } } },
      },
      'subscription_ack',
    );
    expect(ack['recovery']).toEqual({
      'SOL.trade': { recovered: false, reason: 'POSITION_TOO_OLD' },
      'XRP.trade': { recovered: false, reason: 'UNKNOWN_POSITION' },
    });
    await produce(topic, numbered(5, 1, 'SOL'));
    expect(sequence(await other.waitForData(1, 'SOL.trade'))).toEqual([5]);
    // A position two records back is still inside the history of two.
    const third = await connect(small);
    const recent = await resume(third, { 'SOL.trade': seen[3]!['pos'] as Position });
    expect(recent['recovery']).toEqual({ 'SOL.trade': { recovered: true, replayed: 2 } });
    expect(metricValue(await small.metrics(), 'ws_recoveries_total', { result: 'POSITION_TOO_OLD' })).toBe(1);
  });

  it('replays nothing for a channel already held, and refuses a replay over --max-replay-bytes', async () => {
    const capped = await startShard(['--max-replay-bytes=300']);
    const client = await connect(capped);
    await client.subscribe(['ADA.trade']);
    await produce(topic, numbered(0, 6, 'ADA'));
    const seen = await client.waitForData(6, 'ADA.trade');
    const held = await resume(client, { 'ADA.trade': seen[0]!['pos'] as Position });
    expect(held['recovery']).toEqual({ 'ADA.trade': { recovered: true, replayed: 0 } });
    const other = await connect(capped);
    const big = await resume(other, { 'ADA.trade': seen[0]!['pos'] as Position });
    expect(big['recovery']).toEqual({ 'ADA.trade': { recovered: false, reason: 'REPLAY_TOO_LARGE' } });
    const small = await connect(capped);
    expect((await resume(small, { 'ADA.trade': seen[4]!['pos'] as Position }))['recovery']).toEqual({ 'ADA.trade': { recovered: true, replayed: 1 } });
    await sleep(200);
    expect(client.dataMessages('ADA.trade')).toHaveLength(6);
    expect(other.dataMessages('ADA.trade')).toHaveLength(0);
  });

  it('answers a malformed position with INVALID_POSITION and subscribes nothing', async () => {
    const client = await connect(shards[0]!);
    const error = await client.request(
      { type: 'subscribe', id: 'p1', data: { channels: ['BTC.trade'], since: { 'BTC.trade': { partition: 0, offset: -5 } } } },
      'error',
    );
    expect(error).toMatchObject({ code: 'INVALID_POSITION', id: 'p1' });
    expect((await client.subscribe(['ETH.trade']))['count']).toBe(1);
  });

  it('is off with --history-size=0', async () => {
    const off = await startShard(['--history-size=0']);
    const client = await connect(off);
    const ack = await resume(client, { 'BTC.trade': { partition: 0, offset: 0 } });
    expect(ack['recovery']).toEqual({ 'BTC.trade': { recovered: false, reason: 'HISTORY_DISABLED' } });
  });

  it('bounds the replays a client that does not read can pull: a burst of resume/unsubscribe pairs gets one budget, not one replay each', async () => {
    const budget = 64 * 1024;
    const shard = await startShard([`--max-replay-bytes=${budget}`, `--backpressure-limit=${budget}`, '--client-rate-limit=1000']);
    // About 200 KB of history on one channel. The probe subscribes first and sees all of it, so the
    // history is whole before the resume position is taken (a shard still catching up would
    // otherwise hand out a position whose 50 predecessors it never held).
    const probe = await connect(shard);
    await probe.subscribe(['AMP.trade']);
    const pad = 'x'.repeat(1000);
    await produce(
      topic,
      Array.from({ length: 200 }, (_, n) => ({ key: 'AMP', value: JSON.stringify({ type: 'TRADE_EXECUTED', timestamp: Date.now(), data: { n, pad } }) })),
    );
    const history = await probe.waitForData(200, 'AMP.trade');
    const { partition, offset: last } = lastPosition(history);
    // 50 records (about 52 KB) since this position: one resume fits a budget, a second one does not.

    const { socket } = await rawWebSocket(shard.port);
    socket.pause(); // never reads: everything the shard sends it stays queued
    const startedAt = Date.now();
    const burst = Array.from({ length: 40 }, () => [
      maskedTextFrame(JSON.stringify({ type: 'subscribe', data: { channels: ['AMP.trade'], since: { 'AMP.trade': { partition, offset: last - 50 } } } })),
      maskedTextFrame(JSON.stringify({ type: 'unsubscribe', data: { channels: ['AMP.trade'] } })),
    ]).flat();
    socket.write(Buffer.concat(burst));
    await waitFor('the first replay', async () => metricValue(await shard.metrics(), 'ws_replayed_bytes_total') > 0);
    await sleep(500); // room for the other 39 pairs to be answered
    const replayed = metricValue(await shard.metrics(), 'ws_replayed_bytes_total');
    const elapsedS = (Date.now() - startedAt) / 1000;
    // One budget at once plus what the refill allows while the burst lasted; 40 unbounded replays would be 40 budgets.
    expect(replayed).toBeLessThanOrEqual(budget * (1 + elapsedS) + 2048);
    socket.destroy();
  });

  it("refuses a position far beyond the partition's end with POSITION_AHEAD, and still streams live", async () => {
    const shard = await startShard();
    await produce(topic, numbered(0, 3, 'FUT'));
    const client = await connect(shard);
    await client.subscribe(['FUT.trade']);
    await produce(topic, numbered(3, 1, 'FUT'));
    const [live] = await client.waitForData(1, 'FUT.trade');
    const { partition } = live!['pos'] as Position;
    const fresh = await connect(shard);
    // A re-created topic or another cluster: a position that names no record.
    const ack = await resume(fresh, { 'FUT.trade': { partition, offset: 1_000_000_000 } });
    expect(ack['recovery']).toEqual({ 'FUT.trade': { recovered: false, reason: 'POSITION_AHEAD' } });
    await produce(topic, numbered(4, 1, 'FUT'));
    const [next] = await fresh.waitForData(1, 'FUT.trade');
    expect((next!['data'] as { data: { n: number } }).data.n).toBe(4);
  });
});
