import {
  createTestTopic,
  type LoadBalancerProcess,
  metricValue,
  OpenedClients,
  type ShardProcess,
  startLoadBalancerProcess,
  startShardProcess,
  type TestClient,
  waitFor,
} from '@odin-ws/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { secretFile, token } from './auth-helpers.js';

/** --max-connections-per-ip: one address cannot fill the fleet; every other address still gets in. */
describe('connections per client address at the load balancer (real LB and shard)', () => {
  const CAP = 4;
  let shard: ShardProcess;
  let lb: LoadBalancerProcess;
  const clients = new OpenedClients();

  beforeAll(async () => {
    const topic = await createTestTopic('per-ip', 1);
    shard = await startShardProcess({ topics: [topic], args: [`--channel-map=${topic}=trade`] });
    // One worker, so the count is exact (with more, each enforces its share: packages/auth/src/connection-cap.test.ts).
    lb = await startLoadBalancerProcess({ backendUrls: [shard.url], workers: 1, args: [`--max-connections-per-ip=${CAP}`] });
    await lb.waitForShardsReady();
  }, 60_000);

  afterAll(async () => {
    clients.terminateAll();
    await lb?.stop();
    await shard?.stop();
  });

  const connectFrom = (localAddress: string) => clients.connect(lb.url, { localAddress });

  it('answers 1013 TOO_MANY_CONNECTIONS past the cap, lets another address in, and frees a place when a connection ends', async () => {
    const held: TestClient[] = [];
    for (let i = 0; i < CAP; i++) held.push(await connectFrom('127.0.0.2'));
    const refused = await connectFrom('127.0.0.2');
    const closed = await refused.closedPromise;
    expect(closed.code).toBe(1013);
    expect(JSON.parse(closed.reason)).toEqual({ code: 'TOO_MANY_CONNECTIONS', retryMs: 5000 });
    // Another address is not affected.
    const other = await connectFrom('127.0.0.3');
    expect(await other.subscribe(['CAP.trade'])).toMatchObject({ subscribed: ['CAP.trade'] });
    // Every held connection still works.
    for (const client of held) expect(client.closed).toBeUndefined();
    expect(metricValue(await lb.metrics(), 'ws_handshake_rejected_total', { reason: 'TOO_MANY_CONNECTIONS' })).toBe(1);
    // A connection that ends gives its place back.
    for (const client of held) client.terminate();
    await waitFor('the places back', async () => metricValue(await lb.metrics(), 'ws_proxied_connections_active') === 1, 10_000);
    const again = await connectFrom('127.0.0.2');
    expect(await again.subscribe(['CAP.trade'])).toMatchObject({ subscribed: ['CAP.trade'] });
  });
});

/** --max-connections-per-user: one user (a leaked token) cannot fill a shard either. */
describe('connections per user at the shard (real shard, authentication on)', () => {
  let shard: ShardProcess;
  const clients = new OpenedClients();

  beforeAll(async () => {
    const topic = await createTestTopic('per-user', 1);
    shard = await startShardProcess({
      topics: [topic],
      args: [`--channel-map=${topic}=trade`, `--auth-secret-file=${secretFile}`, '--max-connections-per-user=2'],
    });
  }, 60_000);

  afterAll(async () => {
    clients.terminateAll();
    await shard?.stop();
  });

  const connectAs = async (subject: string) => clients.connect(`${shard.url}?token=${await token({ sub: subject })}`);

  it("closes a user's connection past the cap with 1013 TOO_MANY_CONNECTIONS, and lets another user in", async () => {
    const [first, second] = [await connectAs('trader-1'), await connectAs('trader-1')];
    const third = await connectAs('trader-1');
    const closed = await third.closedPromise;
    expect(closed.code).toBe(1013);
    expect(JSON.parse(closed.reason)).toEqual({ code: 'TOO_MANY_CONNECTIONS', retryMs: 5000 });
    expect(await (await connectAs('trader-2')).subscribe(['USR.trade'])).toMatchObject({ subscribed: ['USR.trade'] });
    expect([first.closed, second.closed]).toEqual([undefined, undefined]);
    const metrics = await shard.metrics();
    expect(metricValue(metrics, 'ws_connections_rejected_total', { reason: 'too_many_connections' })).toBe(1);
    expect(metricValue(metrics, 'ws_connections_active')).toBe(3); // the refused one never counted
    // A place comes back when a connection ends.
    first.terminate();
    await waitFor('the place back', async () => metricValue(await shard.metrics(), 'ws_connections_active') === 2, 10_000);
    expect(await (await connectAs('trader-1')).subscribe(['USR.trade'])).toMatchObject({ subscribed: ['USR.trade'] });
  });
});
