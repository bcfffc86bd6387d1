import {
  ClientCrowd,
  closeProducers,
  createTestTopic,
  type LoadBalancerProcess,
  maskedTextFrame,
  metricValue,
  rawWebSocket,
  type SequenceFeed,
  type ShardProcess,
  sleep,
  startLoadBalancerProcess,
  startSequenceFeed,
  startShardProcess,
  waitFor,
} from '@odin-ws/testkit';
import { afterAll, describe, expect, it } from 'vitest';

const KEYS = ['S1', 'S2', 'S3', 'S4'];
const CHANNELS = KEYS.map((key) => `${key}.trade`);

describe('a slow consumer through the load balancer', () => {
  let shard: ShardProcess | undefined;
  let lb: LoadBalancerProcess | undefined;
  let crowd: ClientCrowd | undefined;
  let feed: SequenceFeed | undefined;

  afterAll(async () => {
    await feed?.stop();
    crowd?.close();
    await lb?.stop();
    await shard?.stop();
    await closeProducers();
  });

  it('is cut off with 1008 SLOW_CONSUMER at its limit while the others keep their latency', async () => {
    const topic = await createTestTopic('slow', 2);
    shard = await startShardProcess({ topics: [topic], args: [`--channel-map=${topic}=trade`, '--backpressure-limit=262144'] });
    // The shard's policy is what this test is about: the load balancer's own cut of a client that
    // takes nothing (--stalled-client-timeout, 5 s; the next test) is held off past it.
    lb = await startLoadBalancerProcess({ backendUrls: [shard.url], args: ['--stalled-client-timeout=60000'] });
    await lb!.waitForShardsReady();
    // About 1 MB/s to a client that follows every channel.
    feed = startSequenceFeed({ topic, keys: KEYS, ratePerSecond: 500, padBytes: 2000 });
    crowd = await ClientCrowd.start({ url: lb.url, count: 100, channels: CHANNELS, channelsPerClient: 1 });

    const baselineFrom = Date.now();
    await sleep(3_000);
    const slowFrom = Date.now();
    // A client that subscribes to everything and then never reads a byte.
    const { socket } = await rawWebSocket(lb.port);
    socket.write(maskedTextFrame(JSON.stringify({ type: 'subscribe', channels: CHANNELS })));
    socket.pause();
    await waitFor('the slow client to be cut off', async () => metricValue(await shard!.metrics(), 'ws_slow_client_disconnects_total') === 1, 60_000, 200);
    const cutAt = Date.now();
    await sleep(1_000);
    const slowTo = Date.now();

    // What the slow client finally reads: the backlog, then the close frame with its reason.
    socket.resume();
    const tail = await new Promise<Buffer>((resolve) => {
      const chunks: Buffer[] = [];
      socket.on('data', (chunk: Buffer) => chunks.push(chunk));
      socket.on('close', () => resolve(Buffer.concat(chunks)));
    });
    const closeAt = tail.lastIndexOf(Buffer.from([0x88]));
    expect(closeAt).toBeGreaterThan(0);
    expect(tail.readUInt16BE(closeAt + 2)).toBe(1008);
    expect(tail.subarray(closeAt + 4).toString()).toContain('SLOW_CONSUMER');
    // The shard judged it, not the load balancer.
    expect(metricValue(await lb.metrics(), 'ws_stalled_client_cuts_total')).toBe(0);

    const produced = await feed.stop();
    feed = undefined;
    await crowd.waitForLast(produced);
    const report = crowd.verify(produced);
    expect(report.problems).toEqual([]);
    expect(report.reconnects).toBe(0);
    const before = crowd.latencyPercentile(99, baselineFrom, slowFrom);
    const during = crowd.latencyPercentile(99, slowFrom, slowTo);
    console.log(`[slow-consumer] cut after ${cutAt - slowFrom} ms; others' p99 before ${before} ms, while slow ${during} ms`);
    // Loose on purpose (two shared cores): a slow reader must not drag everyone with it.
    expect(during).toBeLessThan(before * 3 + 50);
  }, 120_000);

  it('lets go of 40 clients that read nothing at all within 10 s of their cut (--stalled-client-timeout, default)', async () => {
    const topic = await createTestTopic('slow-many', 2);
    const slowShard = await startShardProcess({ topics: [topic], args: [`--channel-map=${topic}=trade`, '--backpressure-limit=262144'] });
    const slowLb = await startLoadBalancerProcess({ backendUrls: [slowShard.url] });
    const sockets: Array<Awaited<ReturnType<typeof rawWebSocket>>['socket']> = [];
    const many = startSequenceFeed({ topic, keys: KEYS, ratePerSecond: 500, padBytes: 2000 });
    try {
      await slowLb.waitForShardsReady();
      for (let i = 0; i < 40; i++) {
        const { socket } = await rawWebSocket(slowLb.port);
        socket.write(maskedTextFrame(JSON.stringify({ type: 'subscribe', channels: CHANNELS })));
        socket.pause(); // never reads again
        socket.on('error', () => undefined);
        sockets.push(socket);
      }
      // Whichever cuts them first, the shard (its backlog limit) or the load balancer (nothing taken
      // for 5 s), the load balancer must not hold them for long after.
      const startedAt = Date.now();
      let cutAt: number | undefined;
      await waitFor(
        'the LB to let go of them',
        async () => {
          if (cutAt === undefined && metricValue(await slowShard.metrics(), 'ws_slow_client_disconnects_total') === 40) cutAt = Date.now();
          return metricValue(await slowLb.metrics(), 'ws_proxied_connections_active') === 0;
        },
        30_000,
        200,
      );
      const releasedAt = Date.now();
      expect(releasedAt - (cutAt ?? startedAt)).toBeLessThan(10_000);
      expect(metricValue(await slowLb.metrics(), 'ws_stalled_client_cuts_total')).toBe(40);
      await waitFor('the shard to hold none of them', async () => metricValue(await slowShard.metrics(), 'ws_connections_active') === 0, 10_000, 200);
    } finally {
      await many.stop();
      for (const socket of sockets) socket.destroy();
      await slowLb.stop();
      await slowShard.stop();
    }
  }, 120_000);
});
