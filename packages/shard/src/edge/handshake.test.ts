import { ChannelGrants, ConnectionCap, type TokenVerifier } from '@odin-ws/auth';
import { defaultOptionValues, shardConfigFrom } from '@odin-ws/config';
import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import type { HttpRequest, HttpResponse, us_socket_context_t } from '../platform/index.js';
import type { ClientState } from '../session/index.js';
import { createShardMetrics, type ShardStateSnapshot } from '../shard-metrics.js';
import { createUpgradeHandler } from './handshake.js';

// The shard's upgrade handler with fakes for uWS's request and response only: each case breaks two
// rules at once, and the answer names the one the shard must check first.

const ALLOWED_ORIGIN = 'https://desk.example.com';
const GOOD_TOKEN = 'good';

/** What the handler did with the response: an HTTP answer, or an upgrade with the connection's state. */
interface Outcome {
  status?: string;
  headers: Record<string, string>;
  body?: { error?: string };
  upgraded?: ClientState;
}

function fakeRequest(headers: Record<string, string>, query = ''): HttpRequest {
  const request = {
    getHeader: (name: string) => headers[name] ?? '',
    getCaseSensitiveMethod: () => 'GET',
    getQuery: () => query,
    getUrl: () => '/ws',
    forEach: (visit: (name: string, value: string) => void) => {
      for (const [name, value] of Object.entries(headers)) visit(name, value);
    },
  };
  return request as unknown as HttpRequest;
}

function fakeResponse(outcome: Outcome): HttpResponse {
  const response = {
    cork: (fn: () => void) => fn(),
    writeStatus: (status: string) => {
      outcome.status = status;
      return response;
    },
    writeHeader: (name: string, value: string) => {
      outcome.headers[name] = value;
      return response;
    },
    end: (body: string) => {
      outcome.body = JSON.parse(body);
    },
    upgrade: (state: ClientState) => {
      outcome.upgraded = state;
    },
    onAborted: () => response,
  };
  return response as unknown as HttpResponse;
}

function handlerFor(options: { draining?: boolean; connections?: number; perUser?: ConnectionCap } = {}) {
  const verified: string[] = [];
  const verifier: TokenVerifier = {
    verify: async (token) => {
      verified.push(token);
      return token === GOOD_TOKEN
        ? { ok: true, identity: { subject: 'trader-1', expiresAt: Date.now() + 60_000, grants: ChannelGrants.fromClaim(['BTC.*'])! } }
        : { ok: false, code: 'TOKEN_INVALID', message: 'bad signature' };
    },
  };
  const config = shardConfigFrom({ ...defaultOptionValues(), allowedOrigins: [ALLOWED_ORIGIN], maxConnections: 10 });
  const upgrade = createUpgradeHandler({
    config,
    metrics: createShardMetrics(new Registry(), () => ({}) as ShardStateSnapshot),
    verifier,
    isDraining: () => options.draining ?? false,
    connectionCount: () => options.connections ?? 0,
    connectionsPerUser: options.perUser ?? new ConnectionCap(100),
  });
  return { upgrade, verified };
}

const HANDSHAKE = {
  host: 'shard',
  upgrade: 'websocket',
  connection: 'Upgrade',
  'sec-websocket-key': 'dGhlIHNhbXBsZSBub25jZQ==',
  'sec-websocket-version': '13',
};

async function handshake(handler: ReturnType<typeof handlerFor>, headers: Record<string, string>): Promise<Outcome> {
  const outcome: Outcome = { headers: {} };
  handler.upgrade(fakeResponse(outcome), fakeRequest({ ...HANDSHAKE, ...headers }), {} as us_socket_context_t);
  await new Promise((resolve) => setImmediate(resolve)); // the token is verified asynchronously
  return outcome;
}

describe('the shard upgrade handler checks, in order', () => {
  it('the RFC 6455 rules before the origin (400 for a keyless handshake from a foreign origin)', async () => {
    const handler = handlerFor();
    const outcome = await handshake(handler, { 'sec-websocket-key': '', origin: 'https://evil.example' });
    expect(outcome).toMatchObject({ status: '400 Bad Request', body: { error: 'BAD_HANDSHAKE' } });
  });

  it('the origin before the token (403; the verifier is never asked)', async () => {
    const handler = handlerFor();
    const outcome = await handshake(handler, { origin: 'https://evil.example', authorization: 'Bearer bad' });
    // A browser (it sent Origin) gets the refusal as a close frame it can read: upgraded, then closed with 4403.
    expect(outcome.upgraded?.refusal).toMatchObject({ code: 4403 });
    expect(handler.verified).toEqual([]);
  });

  it('the token before the drain (401 from a draining shard: the client must fix its token)', async () => {
    const outcome = await handshake(handlerFor({ draining: true }), { authorization: 'Bearer bad' });
    expect(outcome).toMatchObject({ status: '401 Unauthorized', body: { error: 'TOKEN_INVALID' } });
    expect(outcome.headers['WWW-Authenticate']).toContain('invalid_token');
  });

  it('draining before full, each a 503 the load balancer reads from X-Odin-Refusal', async () => {
    const draining = await handshake(handlerFor({ draining: true, connections: 10 }), { authorization: `Bearer ${GOOD_TOKEN}` });
    expect(draining).toMatchObject({ status: '503 Service Unavailable', headers: { 'X-Odin-Refusal': 'DRAINING', 'Retry-After': '1' } });
    const full = await handshake(handlerFor({ connections: 10 }), { authorization: `Bearer ${GOOD_TOKEN}` });
    expect(full).toMatchObject({ status: '503 Service Unavailable', headers: { 'X-Odin-Refusal': 'AT_CAPACITY', 'Retry-After': '2' } });
  });

  it("upgrades with the token's grants, expiry and user place; a user past its cap gets 1013 on open", async () => {
    const perUser = new ConnectionCap(1);
    const handler = handlerFor({ perUser });
    const first = await handshake(handler, { authorization: `Bearer ${GOOD_TOKEN}` });
    expect(first.upgraded).toMatchObject({ subject: 'trader-1', refusal: undefined });
    expect(first.upgraded?.grants?.allows('BTC.trade')).toBe(true);
    expect(first.upgraded?.grants?.allows('ETH.trade')).toBe(false);
    const second = await handshake(handler, { authorization: `Bearer ${GOOD_TOKEN}` });
    expect(second.upgraded?.refusal).toMatchObject({ code: 1013 });
    // The refused connection names its user but took no place: the one held is the first's.
    expect(second.upgraded?.subject).toBe('trader-1');
    perUser.release('trader-1');
    expect([perUser.take('trader-1'), perUser.take('trader-1')]).toEqual([true, false]);
  });
});
