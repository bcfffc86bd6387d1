import {
  closeProducers,
  createTestTopic,
  maskedTextFrame,
  metricValue,
  produce,
  rawWebSocket,
  type ShardProcess,
  seedValue,
  sleep,
  startShardProcess,
  TestClient,
  waitFor,
} from '@odin-ws/testkit';
import { afterEach, describe, expect, it } from 'vitest';

describe('shard lifecycle: slow consumers, heartbeats, drain, metrics', () => {
  const shards: ShardProcess[] = [];
  const clients: TestClient[] = [];
  const start = async (topic: string, args: string[] = []) => {
    const shard = await startShardProcess({ topics: [topic], args: [`--channel-map=${topic}=trade`, ...args] });
    shards.push(shard);
    return shard;
  };
  const connect = async (url: string) => {
    const client = await TestClient.connect(url);
    clients.push(client);
    return client;
  };

  afterEach(async () => {
    for (const client of clients.splice(0)) client.terminate();
    await Promise.all(shards.splice(0).map((shard) => shard.stop()));
    await closeProducers();
  });

  it('cuts off a slow consumer with 1008 SLOW_CONSUMER while a healthy client receives everything', async () => {
    const topic = await createTestTopic('slow', 1);
    const shard = await start(topic, ['--backpressure-limit=262144']);
    const healthy = await connect(shard.url);
    await healthy.subscribe(['FLOOD.trade']);
    const slow = await connect(shard.url);
    await slow.subscribe(['FLOOD.trade']);
    // Stop reading: the kernel buffers fill, then the shard's send buffer for this client grows.
    const slowTcp = (slow.socket as unknown as { _socket: import('node:net').Socket })._socket;
    slowTcp.pause();

    const records = 6000;
    const pad = 'x'.repeat(4000);
    // 200 x 4 KB per request stays under the broker's 1 MB request limit.
    for (let sent = 0; sent < records; sent += 200) {
      await produce(
        topic,
        Array.from({ length: 200 }, (_, i) => ({ key: 'FLOOD', value: seedValue({ n: sent + i, pad }) })),
      );
    }
    await waitFor('slow-client disconnect metric', async () => metricValue(await shard.metrics(), 'ws_slow_client_disconnects_total') >= 1, 30_000, 200);
    const received = await healthy.waitForData(records, 'FLOOD.trade', 60_000);
    expect(received.map((m) => (m['data'] as { data: { n: number } }).data.n)).toEqual(Array.from({ length: records }, (_, n) => n));
    expect(healthy.closed).toBeUndefined();

    slowTcp.resume(); // read the backlog: the close frame comes after it
    const closed = await slow.closedPromise;
    expect(closed).toEqual({ code: 1008, reason: '{"code":"SLOW_CONSUMER","retryMs":1000}' });
    expect(slow.dataMessages('FLOOD.trade').length).toBeLessThan(records);
    expect(metricValue(await shard.metrics(), 'ws_disconnects_total', { reason: 'slow_consumer' })).toBe(1);
  });

  it('pings idle clients, keeps live ones and closes a dead peer after about one heartbeat interval', async () => {
    const topic = await createTestTopic('heartbeat', 1);
    const shard = await start(topic, ['--heartbeat-interval=8']);
    const live = await connect(shard.url);
    let pings = 0;
    live.socket.on('ping', () => pings++);
    const dead = await rawWebSocket(shard.port); // never answers a ping
    dead.socket.on('data', () => undefined);
    const deadClosed = new Promise<number>((resolve) => {
      const openedAt = Date.now();
      dead.socket.once('close', () => resolve(Date.now() - openedAt));
    });
    expect((await shard.health())['connections']).toBe(2);
    const deadAfterMs = await deadClosed;
    expect(deadAfterMs).toBeGreaterThan(7_000);
    expect(deadAfterMs).toBeLessThan(8_000 + 5_000); // uWS checks timeouts on a 4 s tick
    expect(pings).toBeGreaterThanOrEqual(1);
    expect(live.closed).toBeUndefined();
    await waitFor('dead peer released', async () => (await shard.health())['connections'] === 1);
    // The live client still works after the dead one was cleaned up.
    expect(await live.request({ type: 'heartbeat' }, 'pong')).toMatchObject({ type: 'pong' });
  }, 40_000);

  it('keeps a client that sends seed-style heartbeats alive without ping support', async () => {
    const topic = await createTestTopic('heartbeat2', 1);
    const shard = await start(topic, ['--heartbeat-interval=8']);
    const seedClient = await rawWebSocket(shard.port);
    seedClient.socket.on('data', () => undefined);
    const timer = setInterval(() => seedClient.socket.write(maskedTextFrame('{"type":"heartbeat"}')), 3_000);
    try {
      await sleep(20_000);
      expect(seedClient.socket.destroyed).toBe(false);
      expect((await shard.health())['connections']).toBe(1);
    } finally {
      clearInterval(timer);
      seedClient.socket.destroy();
    }
  }, 40_000);

  it('drains on SIGTERM: not ready, refuses handshakes, closes clients with paced 1012 and exits in time', async () => {
    const topic = await createTestTopic('drain', 1);
    const shard = await start(topic, ['--drain-timeout=4']);
    const drained = await Promise.all(Array.from({ length: 40 }, () => connect(shard.url)));
    const closedAt: number[] = [];
    for (const client of drained) void client.closedPromise.then(() => closedAt.push(Date.now()));
    const signalledAt = Date.now();
    shard.child.kill('SIGTERM');

    await waitFor('/ready to answer 503', async () => (await fetch(`${shard.httpUrl}/ready`)).status === 503, 2_000, 20);
    expect(await shard.health()).toMatchObject({ status: 'draining', draining: true });
    await expect(TestClient.connect(shard.url)).rejects.toThrow(/HTTP 503 retry-after=1/);

    const closes = await Promise.all(drained.map((client) => client.closedPromise));
    for (const close of closes) {
      expect(close.code).toBe(1012);
      const reason = JSON.parse(close.reason) as { code: string; retryMs: number };
      expect(reason.code).toBe('DRAINING');
      expect(reason.retryMs).toBeGreaterThanOrEqual(500);
      expect(reason.retryMs).toBeLessThanOrEqual(3000);
    }
    // Paced: spread over the close window (half the drain timeout), not all at once.
    expect(Math.max(...closedAt) - Math.min(...closedAt)).toBeGreaterThan(800);
    const exit = await shard.exited;
    expect(exit.code).toBe(0);
    expect(Date.now() - signalledAt).toBeLessThan(4_000 + 1_500);
    expect(shard.output()).toContain('drain complete');
  });

  it('exports its metrics and they move with traffic', async () => {
    const topic = await createTestTopic('metrics', 2);
    const shard = await start(topic);
    const before = await shard.metrics();
    for (const name of [
      'ws_connections_active',
      'ws_connections_total',
      'ws_subscriptions_active',
      'ws_channels_active',
      'ws_kafka_records_consumed_total',
      'ws_envelopes_broadcast_total',
      'ws_frames_delivered_total',
      'ws_broadcast_duration_seconds_bucket',
      'ws_slow_client_disconnects_total',
      'ws_bad_messages_total',
      'ws_kafka_consumer_state',
      'process_cpu_seconds_total',
      'nodejs_eventloop_lag_p99_seconds',
    ]) {
      expect(before, name).toContain(name);
    }
    expect(metricValue(before, 'ws_kafka_consumer_state', { state: 'consuming' })).toBe(1);
    const clientsOnChannel = await Promise.all([connect(shard.url), connect(shard.url), connect(shard.url)]);
    await Promise.all(clientsOnChannel.map((client) => client.subscribe(['M.trade', 'N.trade'])));
    await produce(
      topic,
      Array.from({ length: 10 }, (_, n) => ({ key: 'M', value: seedValue({ n }) })),
    );
    await Promise.all(clientsOnChannel.map((client) => client.waitForData(10, 'M.trade')));
    clientsOnChannel[0]!.send('not json');
    await waitFor('metrics to move', async () => {
      const after = await shard.metrics();
      return (
        metricValue(after, 'ws_connections_active') === 3 &&
        metricValue(after, 'ws_connections_total') === 3 &&
        metricValue(after, 'ws_subscriptions_active') === 6 &&
        metricValue(after, 'ws_channels_active') === 2 &&
        metricValue(after, 'ws_kafka_records_consumed_total', { topic }) === 10 &&
        metricValue(after, 'ws_envelopes_broadcast_total') === 10 &&
        metricValue(after, 'ws_frames_delivered_total') === 30 &&
        metricValue(after, 'ws_bad_messages_total', { reason: 'BAD_JSON' }) === 1 &&
        metricValue(after, 'ws_broadcast_duration_seconds_count') > 0 &&
        after.includes(`ws_kafka_consumer_lag{topic="${topic}"`)
      );
    });
  });
});
