import { once } from 'node:events';
import { connect, createServer, type Socket } from 'node:net';
import { ChannelGrants, type TokenVerifier } from '@odin-ws/auth';
import { defaultOptionValues, loadBalancerConfigFrom } from '@odin-ws/config';
import { createLogger } from '@odin-ws/observability';
import { Registry } from 'prom-client';
import { afterAll, describe, expect, it } from 'vitest';
import { type FakeShard, refusalHead, startFakeShard } from '../../test-support/fake-shard.js';
import type { HandshakeRequest } from '../intake/index.js';
import { createLoadBalancerMetrics } from '../lb-metrics.js';
import type { ShardPool } from '../pool/index.js';
import { createPooledShard, type PooledShard, retirePooledShard } from '../pool/index.js';
import { HandshakeRouter } from './handshake-router.js';

// The router alone: real loopback sockets, a verifier and a pool that record whether they were
// asked. Each case breaks two rules at once; the answer names the one the router must check first.

const GOOD_TOKEN = 'good';
const ALLOWED_ORIGIN = 'https://desk.example.com';
const server = createServer();
await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
const held: Socket[] = [];
afterAll(() => {
  for (const client of held) client.destroy();
  return new Promise((resolve) => server.close(resolve));
});

interface Answer {
  status: number;
  /** The `error` of an HTTP answer's JSON body. */
  error?: string;
  /** The close frame after a 101. */
  closeCode?: number;
  closeReason?: string;
}

interface Seams {
  verified: string[];
  poolAsked: number;
}

type OptionValues = ReturnType<typeof defaultOptionValues>;

/** `shards`: what the pool offers, in order (none by default). */
function routerFor(draining: boolean, seams: Seams, options: Partial<OptionValues> = {}, shards: PooledShard[] = []): HandshakeRouter {
  const config = loadBalancerConfigFrom({ ...defaultOptionValues(), allowedOrigins: [ALLOWED_ORIGIN], ...options });
  const verifier: TokenVerifier = {
    verify: async (token) => {
      seams.verified.push(token);
      return token === GOOD_TOKEN
        ? { ok: true, identity: { subject: 'u', expiresAt: Date.now() + 60_000, grants: ChannelGrants.fromClaim(['*'])! } }
        : { ok: false, code: 'TOKEN_INVALID', message: 'bad signature' };
    },
  };
  const pool = {
    candidates: () => {
      seams.poolAsked++;
      return shards;
    },
  } as unknown as ShardPool;
  return new HandshakeRouter({
    config,
    logger: createLogger({ level: 'silent', base: {} }),
    metrics: createLoadBalancerMetrics(new Registry(), () => ({ proxied: 0, queueDepth: 0 })),
    pool,
    verifier,
    isDraining: () => draining,
  });
}

function handshake(options: { path?: string; token?: string; origin?: string; key?: string | null }): HandshakeRequest {
  const headers: Record<string, string> = {
    host: 'lb',
    upgrade: 'websocket',
    connection: 'Upgrade',
    'sec-websocket-version': '13',
  };
  if (options.key !== null) headers['sec-websocket-key'] = options.key ?? 'dGhlIHNhbXBsZSBub25jZQ==';
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  if (options.origin) headers.origin = options.origin;
  return { method: 'GET', url: options.path ?? '/ws', httpVersion: '1.1', headers, rawHeaders: Object.entries(headers).flat() };
}

/**
 * Routes one handshake over a real socket pair and reads what the client got. `holdOpen`: the client
 * does not close its side after the answer, so the connection keeps its per-address place.
 */
async function route(router: HandshakeRouter, req: HandshakeRequest, holdOpen = false): Promise<Answer> {
  const accepted = once(server, 'connection') as Promise<[Socket]>;
  const client = connect({ ...(server.address() as { port: number }), allowHalfOpen: holdOpen });
  const [serverSide] = await accepted;
  const chunks: Buffer[] = [];
  client.on('data', (chunk: Buffer) => chunks.push(chunk));
  await router.route(req, serverSide, Buffer.alloc(0));
  await once(client, 'end');
  if (holdOpen) held.push(client);
  else client.destroy();
  const bytes = Buffer.concat(chunks);
  const headEnd = bytes.indexOf('\r\n\r\n');
  const status = Number(bytes.subarray(9, 12).toString());
  const rest = bytes.subarray(headEnd + 4);
  if (status !== 101) return { status, error: JSON.parse(rest.toString()).error };
  return { status, closeCode: rest.readUInt16BE(2), closeReason: JSON.parse(rest.subarray(4).toString()).code };
}

function newSeams(): Seams {
  return { verified: [], poolAsked: 0 };
}

describe('the handshake router checks, in order', () => {
  it('the path before anything else (404 for a bad token on another path)', async () => {
    const seams = newSeams();
    expect(await route(routerFor(false, seams), handshake({ path: '/other', token: 'bad' }))).toMatchObject({ status: 404, error: 'NOT_FOUND' });
    expect(seams).toEqual({ verified: [], poolAsked: 0 });
  });

  it('the RFC 6455 rules before the origin (400 for a keyless handshake from a foreign origin)', async () => {
    const seams = newSeams();
    const answer = await route(routerFor(false, seams), handshake({ key: null, origin: 'https://evil.example' }));
    expect(answer).toMatchObject({ status: 400, error: 'BAD_HANDSHAKE' });
  });

  it('the origin before the token (403, and the verifier is never asked)', async () => {
    const seams = newSeams();
    const answer = await route(routerFor(false, seams), handshake({ origin: 'https://evil.example', token: 'bad' }));
    // A browser (it sent Origin) gets the refusal as a close frame it can read.
    expect(answer).toMatchObject({ status: 101, closeCode: 4403, closeReason: 'ORIGIN_NOT_ALLOWED' });
    expect(seams.verified).toEqual([]);
  });

  it('the drain before the token (1012 DRAINING; a draining worker checks no signature)', async () => {
    const seams = newSeams();
    expect(await route(routerFor(true, seams), handshake({ token: 'bad' }))).toMatchObject({ status: 101, closeCode: 1012, closeReason: 'DRAINING' });
    expect(seams).toEqual({ verified: [], poolAsked: 0 });
  });

  it('the drain before the connection cap and the shards (1012 DRAINING; no shard asked)', async () => {
    const seams = newSeams();
    expect(await route(routerFor(true, seams), handshake({ token: GOOD_TOKEN }))).toMatchObject({ status: 101, closeCode: 1012, closeReason: 'DRAINING' });
    expect(seams.poolAsked).toBe(0);
  });

  it('the shards last: with none to try, the client is told 1012 NO_SHARD_AVAILABLE', async () => {
    const seams = newSeams();
    const answer = await route(routerFor(false, seams), handshake({ token: GOOD_TOKEN, origin: ALLOWED_ORIGIN }));
    expect(answer).toMatchObject({ status: 101, closeCode: 1012, closeReason: 'NO_SHARD_AVAILABLE' });
    expect(seams).toEqual({ verified: [GOOD_TOKEN], poolAsked: 1 });
  });

  it("the client address's connection cap after the drain and before the shards (1013 TOO_MANY_CONNECTIONS)", async () => {
    const seams = newSeams();
    const router = routerFor(false, seams, { maxConnectionsPerIp: 1 });
    await route(router, handshake({ token: GOOD_TOKEN }), true);
    const answer = await route(router, handshake({ token: GOOD_TOKEN }));
    expect(answer).toMatchObject({ status: 101, closeCode: 1013, closeReason: 'TOO_MANY_CONNECTIONS' });
    expect(seams.poolAsked).toBe(1);
  });

  it("the client address's connection cap before the token: an address at its cap costs no signature check", async () => {
    const seams = newSeams();
    const router = routerFor(false, seams, { maxConnectionsPerIp: 1 });
    await route(router, handshake({ token: GOOD_TOKEN }), true);
    expect(await route(router, handshake({ token: 'bad' }))).toMatchObject({ status: 101, closeCode: 1013, closeReason: 'TOO_MANY_CONNECTIONS' });
    expect(seams.verified).toEqual([GOOD_TOKEN]);
  });

  it('admission before the token: past its queue, 1013 OVERLOADED and no signature checked', async () => {
    const seams = newSeams();
    const router = routerFor(false, seams, { admissionRate: 1, admissionIpRate: 1, admissionQueue: 0 });
    await route(router, handshake({ token: GOOD_TOKEN }));
    expect(await route(router, handshake({ token: 'bad' }))).toMatchObject({ status: 101, closeCode: 1013, closeReason: 'OVERLOADED' });
    expect(seams.verified).toEqual([GOOD_TOKEN]);
  });

  it('the token after admission and before the shards (401; no shard asked)', async () => {
    const seams = newSeams();
    expect(await route(routerFor(false, seams), handshake({ token: 'bad' }))).toMatchObject({ status: 401, error: 'TOKEN_INVALID' });
    expect(seams).toEqual({ verified: ['bad'], poolAsked: 0 });
  });

  it("an address's refused tokens: past --auth-failures-per-ip, 1013 AUTH_RATE_LIMITED and no signature checked, a good token included", async () => {
    const seams = newSeams();
    const router = routerFor(false, seams, { authFailuresPerIp: 1 });
    for (let i = 0; i < 10; i++) expect(await route(router, handshake({ token: 'bad' }))).toMatchObject({ status: 401 });
    expect(await route(router, handshake({ token: 'bad' }))).toMatchObject({ status: 101, closeCode: 1013, closeReason: 'AUTH_RATE_LIMITED' });
    expect(await route(router, handshake({ token: GOOD_TOKEN }))).toMatchObject({ closeCode: 1013, closeReason: 'AUTH_RATE_LIMITED' });
    expect(seams.verified).toHaveLength(10);
  });

  it("the user's connection cap after the token and before the shards (1013 TOO_MANY_CONNECTIONS; no shard asked)", async () => {
    const seams = newSeams();
    const router = routerFor(false, seams, { maxConnectionsPerUser: 1 });
    await route(router, handshake({ token: GOOD_TOKEN }), true);
    expect(await route(router, handshake({ token: GOOD_TOKEN }))).toMatchObject({ status: 101, closeCode: 1013, closeReason: 'TOO_MANY_CONNECTIONS' });
    expect(seams).toEqual({ verified: [GOOD_TOKEN, GOOD_TOKEN], poolAsked: 1 });
  });

  it('admission after the connection cap and before the shards (1013 OVERLOADED past its queue; no shard asked)', async () => {
    const seams = newSeams();
    const router = routerFor(false, seams, { admissionRate: 1, admissionIpRate: 1, admissionQueue: 0 });
    expect(await route(router, handshake({ token: GOOD_TOKEN }))).toMatchObject({ closeReason: 'NO_SHARD_AVAILABLE' }); // the one token of this second
    const answer = await route(router, handshake({ token: GOOD_TOKEN }));
    expect(answer).toMatchObject({ status: 101, closeCode: 1013, closeReason: 'OVERLOADED' });
    expect(seams.poolAsked).toBe(1);
  });
});

describe("the handshake router's answer when no shard takes the client", () => {
  const fakes: FakeShard[] = [];
  const pooled: PooledShard[] = [];
  const config = loadBalancerConfigFrom(defaultOptionValues());
  const metrics = createLoadBalancerMetrics(new Registry(), () => ({ proxied: 0, queueDepth: 0 }));
  afterAll(async () => {
    for (const shard of pooled) retirePooledShard(shard, metrics);
    await Promise.all(fakes.map((fake) => fake.close()));
  });
  const shardAnswering = async (head: string) => {
    const fake = await startFakeShard((socket) => socket.end(head));
    fakes.push(fake);
    const shard = createPooledShard(fake.url, config, metrics, createLogger({ level: 'silent', base: {} }));
    pooled.push(shard);
    return shard;
  };

  it('1013 OVERLOADED when every shard tried said it is full: the fleet needs time, not another LB', async () => {
    const full = [await shardAnswering(refusalHead('AT_CAPACITY')), await shardAnswering(refusalHead('AT_CAPACITY'))];
    const answer = await route(routerFor(false, newSeams(), {}, full), handshake({ token: GOOD_TOKEN }));
    expect(answer).toMatchObject({ status: 101, closeCode: 1013, closeReason: 'OVERLOADED' });
  });

  it('1012 NO_SHARD_AVAILABLE when any of them failed otherwise (here: one draining)', async () => {
    const shards = [await shardAnswering(refusalHead('AT_CAPACITY')), await shardAnswering(refusalHead('DRAINING'))];
    const answer = await route(routerFor(false, newSeams(), {}, shards), handshake({ token: GOOD_TOKEN }));
    expect(answer).toMatchObject({ status: 101, closeCode: 1012, closeReason: 'NO_SHARD_AVAILABLE' });
  });
});
