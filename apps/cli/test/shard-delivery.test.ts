import { spawnSync } from 'node:child_process';
import { closeProducers, createTestTopic, kafkaBrokers, produce, type ShardProcess, seedValue, sleep, startShardProcess, TestClient } from '@odin-ws/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

describe('shard delivery (real Kafka, real shard process)', () => {
  let topic: string;
  let shard: ShardProcess;
  const clients: TestClient[] = [];
  const connect = async (url = shard.url) => {
    const client = await TestClient.connect(url);
    clients.push(client);
    return client;
  };

  beforeAll(async () => {
    topic = await createTestTopic('delivery', 3);
    shard = await startShardProcess({ topics: [topic], args: [`--channel-map=${topic}=trade`] });
  });

  afterAll(async () => {
    for (const client of clients) client.terminate();
    await shard?.stop();
    await closeProducers();
  });

  it('delivers a produced record to a subscriber in the envelope seed clients read', async () => {
    const client = await connect();
    const ack = await client.subscribe(['BTC.trade', 'ETH.trade']);
    expect(ack).toEqual({ type: 'subscription_ack', subscribed: ['BTC.trade', 'ETH.trade'], count: 2 });
    const before = Date.now();
    await produce(topic, [{ key: 'BTC', value: seedValue({ price: '101.5', qty: 2 }) }]);
    const [envelope] = await client.waitForData(1, 'BTC.trade');
    expect(envelope).toMatchObject({
      type: 'price:update',
      channel: 'BTC.trade',
      pos: { partition: expect.any(Number), offset: expect.any(Number) },
      data: { type: 'TRADE_EXECUTED', data: { price: '101.5', qty: 2 } },
    });
    expect(envelope!['ts']).toBeGreaterThanOrEqual(before - 1000);
    expect(client.dataMessages('ETH.trade')).toHaveLength(0);
  });

  it('accepts the older top-level channels shape and answers heartbeats with pong', async () => {
    const client = await connect();
    expect(await client.request({ type: 'subscribe', channels: ['SOL.trade'], id: 'r1' }, 'subscription_ack')).toMatchObject({
      subscribed: ['SOL.trade'],
      count: 1,
      id: 'r1',
    });
    const pong = await client.request({ type: 'heartbeat' }, 'pong');
    expect(Math.abs((pong['ts'] as number) - Date.now())).toBeLessThan(5000);
    expect(await client.request({ type: 'ping', id: 9 }, 'pong')).toMatchObject({ id: 9 });
  });

  it('stops delivery after unsubscribe', async () => {
    const client = await connect();
    await client.subscribe(['DOGE.trade']);
    await produce(topic, [{ key: 'DOGE', value: seedValue({ n: 1 }) }]);
    await client.waitForData(1, 'DOGE.trade');
    const ack = await client.request({ type: 'unsubscribe', data: { channels: ['DOGE.trade', 'NEVER.trade'] } }, 'unsubscription_ack');
    expect(ack).toEqual({ type: 'unsubscription_ack', unsubscribed: ['DOGE.trade'], count: 0 });
    // A sentinel on another channel proves the stream is flowing while DOGE stays silent.
    await client.subscribe(['SENTINEL.trade']);
    await produce(topic, [
      { key: 'DOGE', value: seedValue({ n: 2 }) },
      { key: 'SENTINEL', value: seedValue({}) },
    ]);
    await client.waitForData(1, 'SENTINEL.trade');
    await sleep(200);
    expect(client.dataMessages('DOGE.trade')).toHaveLength(1);
  });

  it('keeps per-channel order over a burst', async () => {
    const client = await connect();
    await client.subscribe(['ORDER.trade']);
    const count = 500;
    await produce(
      topic,
      Array.from({ length: count }, (_, n) => ({ key: 'ORDER', value: JSON.stringify({ type: 'T', timestamp: Date.now(), data: { n } }) })),
    );
    const received = await client.waitForData(count, 'ORDER.trade');
    expect(received.map((m) => (m['data'] as { data: { n: number } }).data.n)).toEqual(Array.from({ length: count }, (_, n) => n));
    const offsets = received.map((m) => (m['pos'] as { offset: number }).offset);
    expect(offsets).toEqual([...offsets].sort((a, b) => a - b));
  });

  it('delivers records written by kcat, a producer we did not write', async () => {
    const kcat = spawnSync('which', ['kcat']);
    expect(kcat.status, 'kcat must be installed (apt-get install kcat); .ci/run installs it').toBe(0);
    const client = await connect();
    await client.subscribe(['KCAT.trade']);
    const value = JSON.stringify({ type: 'TRADE_EXECUTED', timestamp: Date.now(), data: { via: 'kcat' } });
    const result = spawnSync('kcat', ['-P', '-b', kafkaBrokers(), '-t', topic, '-K', '|'], { input: `KCAT|${value}\n` });
    expect(result.status, result.stderr.toString()).toBe(0);
    const [envelope] = await client.waitForData(1, 'KCAT.trade');
    expect(envelope).toMatchObject({ channel: 'KCAT.trade', data: { data: { via: 'kcat' } } });
  });

  it('delivers every record to 1,000 concurrent clients', async () => {
    const many: TestClient[] = [];
    for (let batch = 0; batch < 10; batch++) {
      many.push(...(await Promise.all(Array.from({ length: 100 }, () => connect()))));
    }
    await Promise.all(many.map((client) => client.subscribe(['FAN.trade'])));
    const records = 20;
    await produce(
      topic,
      Array.from({ length: records }, (_, n) => ({ key: 'FAN', value: seedValue({ n }) })),
    );
    await Promise.all(many.map((client) => client.waitForData(records, 'FAN.trade', 30_000)));
    for (const client of many) {
      expect(client.dataMessages('FAN.trade').map((m) => (m['data'] as { data: { n: number } }).data.n)).toEqual(Array.from({ length: records }, (_, n) => n));
      client.terminate();
    }
  });

  it('gives the same record the same position on two shards', async () => {
    const second = await startShardProcess({ topics: [topic], args: [`--channel-map=${topic}=trade`] });
    try {
      const [a, b] = await Promise.all([connect(shard.url), connect(second.url)]);
      await Promise.all([a!.subscribe(['POS.trade']), b!.subscribe(['POS.trade'])]);
      await produce(
        topic,
        Array.from({ length: 10 }, (_, n) => ({ key: 'POS', value: seedValue({ n }) })),
      );
      const [fromA, fromB] = await Promise.all([a!.waitForData(10, 'POS.trade'), b!.waitForData(10, 'POS.trade')]);
      expect(fromA.map((m) => m['pos'])).toEqual(fromB.map((m) => m['pos']));
      expect(fromA.map((m) => m['data'])).toEqual(fromB.map((m) => m['data']));
    } finally {
      await second.stop();
    }
  });
});
