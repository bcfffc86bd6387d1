import {
  createTestTopic,
  type LoadBalancerProcess,
  metricValue,
  OpenedClients,
  produce,
  type ShardProcess,
  seedValue,
  startLoadBalancerProcess,
  startShardProcess,
  waitFor,
} from '@odin-ws/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { handshake, now, secretFile, token, unsigned } from './auth-helpers.js';

describe('authentication and entitlements (real shard and LB, --auth-secret-file on both)', () => {
  let topic: string;
  let shard: ShardProcess;
  let lb: LoadBalancerProcess;
  const clients = new OpenedClients();
  const authArgs = [`--auth-secret-file=${secretFile}`];

  beforeAll(async () => {
    topic = await createTestTopic('auth', 1);
    shard = await startShardProcess({
      topics: [topic],
      args: [`--channel-map=${topic}=trade`, '--auth-refresh-window=2', '--auth-clock-tolerance=0', ...authArgs],
    });
    // These tests send more bad tokens from 127.0.0.1 than an address may (--auth-failures-per-ip):
    // the limit has its own test (identity-and-cost.test.ts).
    lb = await startLoadBalancerProcess({ backendUrls: [shard.url], args: [...authArgs, '--auth-failures-per-ip=1000'] });
    await lb.waitForShardsReady();
  }, 60_000);

  afterAll(async () => {
    clients.terminateAll();
    await lb?.stop();
    await shard?.stop();
  });

  const connect = (url: string) => clients.connect(url);

  it.each([
    ['no token', async () => ({}), 'TOKEN_MISSING'],
    ['a wrong signature', async () => ({ query: await token({}, 'not-the-secret-but-also-long-enough-32b') }), 'TOKEN_INVALID'],
    ['alg none', async () => ({ query: unsigned() }), 'TOKEN_INVALID'],
    ['an expired token', async () => ({ query: await token({ exp: now() - 60 }) }), 'TOKEN_EXPIRED'],
    ['a token in both the query and the header', async () => ({ query: await token(), header: await token() }), 'TOKEN_AMBIGUOUS'],
  ])('refuses %s with 401 at the shard and through the LB', async (_label, make, code) => {
    for (const base of [shard.url, lb.url]) {
      const { query, header } = (await make()) as { query?: string; header?: string };
      const url = query ? `${base}?token=${query}` : base;
      expect(await handshake(url, header ? { Authorization: `Bearer ${header}` } : {}), base).toEqual({ status: 401, code });
    }
  });

  it.each([
    ['offers odin.v1 (the SDK)', { 'Sec-WebSocket-Protocol': 'odin.v1' }, { protocol: 'odin.v1' }],
    ['offers odin.v1 among others', { 'Sec-WebSocket-Protocol': 'chat, odin.v1' }, { protocol: 'odin.v1' }],
    ['sends Origin (a browser)', { Origin: 'https://app.example.com' }, {}],
  ])('refuses a token with a 4401 close frame to a client that %s, at the shard and through the LB', async (_label, headers, answered) => {
    for (const base of [shard.url, lb.url]) {
      const refused = await handshake(`${base}?token=${await token({ exp: now() - 60 })}`, headers);
      expect(refused, base).toEqual({ status: 101, ...answered, close: { code: 4401, reason: { code: 'TOKEN_EXPIRED' } } });
      expect(await handshake(base, headers), base).toEqual({ status: 101, ...answered, close: { code: 4401, reason: { code: 'TOKEN_MISSING' } } });
    }
    // Refused before any shard, as the 401 is: not a handshake a shard failed.
    const metrics = await lb.metrics();
    expect(metricValue(metrics, 'ws_handshake_failures_total')).toBe(0);
    expect(metricValue(await shard.metrics(), 'ws_connections_active')).toBe(clients.all.length);
  });

  it('answers odin.v1 on an accepted handshake, and echoes other subprotocols as before', async () => {
    expect(await handshake(`${lb.url}?token=${await token()}`, { 'Sec-WebSocket-Protocol': 'odin.v1' })).toEqual({ status: 101, protocol: 'odin.v1' });
    expect(await handshake(`${shard.url}?token=${await token()}`, { 'Sec-WebSocket-Protocol': 'chat, odin.v1' })).toEqual({ status: 101, protocol: 'odin.v1' });
    expect(await handshake(`${lb.url}?token=${await token()}`, { 'Sec-WebSocket-Protocol': 'chat' })).toEqual({ status: 101, protocol: 'chat' });
  });

  it('accepts the token as the subprotocol odin.bearer.<token> (out of URLs), answering odin.v1 and never the token', async () => {
    for (const base of [shard.url, lb.url]) {
      expect(await handshake(base, { 'Sec-WebSocket-Protocol': `odin.v1, odin.bearer.${await token()}` }), base).toEqual({ status: 101, protocol: 'odin.v1' });
      const twice = await handshake(`${base}?token=${await token()}`, { 'Sec-WebSocket-Protocol': `odin.bearer.${await token()}` });
      expect(twice, base).toEqual({ status: 401, code: 'TOKEN_AMBIGUOUS' });
    }
  });

  it('accepts a valid token in the query string or the Authorization header', async () => {
    expect(await handshake(`${lb.url}?token=${await token()}`)).toEqual({ status: 101 });
    expect(await handshake(lb.url, { Authorization: `Bearer ${await token()}` })).toEqual({ status: 101 });
  });

  it('30 bad-token handshakes open no breaker and cost the shard no score', async () => {
    await Promise.all(Array.from({ length: 30 }, async () => expect((await handshake(`${lb.url}?token=${await token({}, 'x'.repeat(40))}`)).status).toBe(401)));
    const [view] = (await lb.health()).shards;
    expect(view).toMatchObject({ circuit: 'closed', recentFailures: 0, ready: true });
    const metrics = await lb.metrics();
    expect(metricValue(metrics, 'ws_circuit_breaker_state', { state: 'open' })).toBe(0);
    expect(metricValue(metrics, 'ws_handshake_failures_total')).toBe(0);
    expect(metricValue(metrics, 'ws_auth_refusals_total', { code: 'TOKEN_INVALID' })).toBeGreaterThanOrEqual(30);
  });

  it('grants channels by pattern: BTC.* subscribes BTC.trade, and ETH.trade gets CHANNEL_NOT_ALLOWED and nothing of its request', async () => {
    const client = await connect(`${lb.url}?token=${await token({ channels: ['BTC.*'] })}`);
    expect(await client.subscribe(['BTC.trade'])).toMatchObject({ subscribed: ['BTC.trade'] });
    const refused = await client.request({ type: 'subscribe', data: { channels: ['BTC.book', 'ETH.trade'] } }, 'error');
    expect(refused).toMatchObject({ code: 'CHANNEL_NOT_ALLOWED', value: 'ETH.trade' });
    await produce(topic, [
      { key: 'BTC', value: seedValue({ n: 1 }) },
      { key: 'ETH', value: seedValue({ n: 2 }) },
    ]);
    await client.waitForData(1, 'BTC.trade');
    expect(client.dataMessages().map((m) => m['channel'])).toEqual(['BTC.trade']); // BTC.book was not subscribed either
  });

  it('warns before expiry, takes a refreshed token in place, and closes with 4001 when a token runs out', async () => {
    const client = await connect(`${lb.url}?token=${await token({ exp: now() + 4, channels: ['BTC.*', 'ETH.*'] })}`);
    await client.subscribe(['BTC.trade', 'ETH.trade']);
    const warning = await waitFor('token_expiring', () => client.messages.find((m) => m['type'] === 'token_expiring'), 10_000);
    expect(warning['expiresAt']).toBeGreaterThan(Date.now());
    const ack = await client.request({ type: 'refresh', token: await token({ exp: now() + 3, channels: ['BTC.*'] }) }, 'refresh_ack');
    expect(ack).toMatchObject({ revoked: ['ETH.trade'] });
    const refused = await client.request({ type: 'refresh', token: await token({}, 'y'.repeat(40)) }, 'error');
    expect(refused).toMatchObject({ code: 'TOKEN_REFUSED', value: 'TOKEN_INVALID' });
    const closed = await client.closedPromise;
    expect(closed.code).toBe(4001);
    expect(JSON.parse(closed.reason)).toEqual({ code: 'TOKEN_EXPIRED' });
    expect(metricValue(await shard.metrics(), 'ws_token_expired_closes_total')).toBeGreaterThanOrEqual(1);
  }, 30_000);
});
