import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocketClient, { type WebSocket, WebSocketServer } from 'ws';
import { type ClientError, type ConnectionState, OdinClient, type SubscriptionState, UnauthorizedError, type WebSocketConstructor } from './node.js';

/** A scripted peer that records each connection's URL, headers and messages, and acks subscribes. */
async function tokenServer(onConnection: (socket: WebSocket, index: number) => void) {
  const server = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  await once(server, 'listening');
  const urls: string[] = [];
  const headers: Array<Record<string, string | string[] | undefined>> = [];
  const requests: Array<Record<string, unknown>> = [];
  server.on('connection', (socket, req) => {
    const index = urls.length;
    urls.push(req.url ?? '');
    headers.push(req.headers);
    socket.on('message', (data) => {
      const message = JSON.parse(data.toString()) as { type: string; id?: string; data?: { channels: string[] } };
      requests.push({ connection: index, ...message });
      if (message.type === 'subscribe') socket.send(JSON.stringify({ type: 'subscription_ack', subscribed: message.data!.channels, count: 1, id: message.id }));
    });
    onConnection(socket, index);
  });
  return {
    url: `ws://127.0.0.1:${(server.address() as AddressInfo).port}/ws`,
    urls,
    headers,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        for (const client of server.clients) client.terminate();
        server.close(() => resolve());
      }),
  };
}

async function until<T>(what: string, check: () => T | undefined | false, timeoutMs = 5000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

describe('OdinClient with tokens', () => {
  it('on Node sends a fresh token as Authorization: Bearer on every connection (not in the URL), and offers odin.v1', async () => {
    const server = await tokenServer((socket, index) => {
      if (index === 0) setTimeout(() => socket.close(1012, '{"code":"DRAINING","retryMs":0}'), 50);
    });
    cleanups.push(server.close);
    let issued = 0;
    const client = new OdinClient({ url: server.url, getToken: () => `token-${++issued}`, backoff: { initialMs: 10 } }).connect();
    cleanups.push(() => client.close());
    await until('a second connection', () => server.headers.length === 2);
    expect(server.headers.map((h) => h['authorization'])).toEqual(['Bearer token-1', 'Bearer token-2']);
    expect(server.urls).toEqual(['/ws', '/ws']);
    expect(server.headers[0]!['sec-websocket-protocol']).toBe('odin.v1');
  });

  it('sends the handshake headers given (Node)', async () => {
    const server = await tokenServer(() => undefined);
    cleanups.push(server.close);
    const client = new OdinClient({ url: server.url, headers: { 'X-Desk': 'fx-1' } }).connect();
    cleanups.push(() => client.close());
    await until('a connection', () => server.headers.length === 1);
    expect(server.headers[0]!['x-desk']).toBe('fx-1');
  });

  it('offers a fresh token as a subprotocol where the WebSocket cannot send headers (browsers), keeps the URL as given, and answers token_expiring with a refresh', async () => {
    const server = await tokenServer((socket, index) => {
      if (index === 0) setTimeout(() => socket.send(JSON.stringify({ type: 'token_expiring', expiresAt: Date.now() + 1000 })), 50);
    });
    cleanups.push(server.close);
    let issued = 0;
    const browserLike = WebSocketClient as unknown as WebSocketConstructor;
    const client = new OdinClient({
      url: `${server.url}?app=ticker`,
      WebSocket: browserLike,
      getToken: async () => `token-${++issued}`,
      backoff: { initialMs: 10 },
    }).connect();
    cleanups.push(() => client.close());
    client.subscribe('BTC.trade');
    const refresh = await until('a refresh', () => server.requests.find((request) => request['type'] === 'refresh'));
    expect(refresh).toMatchObject({ connection: 0, token: 'token-2' });
    expect(server.headers[0]!['sec-websocket-protocol']).toBe('odin.v1,odin.bearer.token-1'); // as ws joins them
    expect(server.urls[0]).toBe('/ws?app=ticker'); // the URL's own query is kept, and no token in it
  });

  it('comes back at once with a new token after 4001 TOKEN_EXPIRED, and resubscribes', async () => {
    const server = await tokenServer((socket, index) => {
      if (index === 0) setTimeout(() => socket.close(4001, '{"code":"TOKEN_EXPIRED"}'), 100);
    });
    cleanups.push(server.close);
    let issued = 0;
    const client = new OdinClient({ url: server.url, getToken: () => `token-${++issued}`, backoff: { initialMs: 60_000 } }).connect();
    cleanups.push(() => client.close());
    const reconnects: string[] = [];
    client.on('reconnect', (event) => reconnects.push(event.cause));
    client.subscribe('BTC.trade');
    await until(
      'a second connection that subscribes',
      () => server.requests.some((request) => request['connection'] === 1 && request['type'] === 'subscribe'),
      3000,
    );
    expect(reconnects).toEqual(['TOKEN_EXPIRED']); // not the 60 s backoff: an expired token is no outage
    expect(server.headers[1]!['authorization']).toBe('Bearer token-2');
  });

  it('reports each subscription state, and ends a channel a refreshed token revokes', async () => {
    const server = await tokenServer((socket) => {
      socket.on('message', (data) => {
        const message = JSON.parse(data.toString()) as { type: string };
        if (message.type === 'refresh') socket.send(JSON.stringify({ type: 'refresh_ack', expiresAt: Date.now() + 60_000, revoked: ['ETH.trade'] }));
      });
      setTimeout(() => socket.send(JSON.stringify({ type: 'token_expiring', expiresAt: Date.now() + 1000 })), 100);
    });
    cleanups.push(server.close);
    const client = new OdinClient({ url: server.url, getToken: () => 'token' }).connect();
    cleanups.push(() => client.close());
    const states: SubscriptionState[] = [];
    const eth = client.subscribe('ETH.trade');
    eth.on('state', (state) => states.push(state));
    const unsubscribed = new Promise((resolve) => eth.on('unsubscribed', resolve));
    const subscribed = new Promise((resolve) => eth.on('subscribed', resolve));
    expect(await subscribed).toEqual({ recovered: true, replayed: 0 });
    expect(await unsubscribed).toEqual({ reason: 'revoked' });
    expect(states).toEqual(['subscribed', 'unsubscribed']);
    expect(eth.state).toBe('unsubscribed');
    expect(client.stats().channels).toBe(0);
  });

  it('reports a getToken that throws, and connects without a token (the server then says why)', async () => {
    const server = await tokenServer(() => undefined);
    cleanups.push(server.close);
    const client = new OdinClient({
      url: server.url,
      getToken: () => {
        throw new Error('identity provider down');
      },
    }).connect();
    cleanups.push(() => client.close());
    const error = await new Promise<{ code: string }>((resolve) => client.on('error', resolve));
    expect(error.code).toBe('E_TOKEN_UNAVAILABLE');
    await until('a connection', () => server.urls.length === 1);
    expect(server.urls[0]).toBe('/ws');
  });
});

describe('OdinClient when the server refuses the token', () => {
  /** Records the client's states and errors. */
  function watch(client: OdinClient) {
    const states: ConnectionState[] = [];
    const errors: ClientError[] = [];
    client.on('state', (state) => states.push(state));
    client.on('error', (error) => errors.push(error));
    return { states, errors };
  }

  it('on 4401: an error naming the refusal, state unauthorized, getToken before every retry, and after maxRefusals it stops for good', async () => {
    const server = await tokenServer((socket) => socket.close(4401, '{"code":"TOKEN_EXPIRED"}'));
    cleanups.push(server.close);
    let issued = 0;
    const client = new OdinClient({ url: server.url, getToken: () => `token-${++issued}`, backoff: { initialMs: 10 }, maxRefusals: 3 }).connect();
    cleanups.push(() => client.close());
    const { states, errors } = watch(client);
    const subscription = client.subscribe('BTC.trade');
    await expect(subscription.ready).rejects.toMatchObject({ code: 'E_UNAUTHORIZED' });
    expect(client.state).toBe('closed');
    expect(errors.map((e) => [e.code, e.details.serverCode, e.details.attempt, e.details.final])).toEqual([
      ['E_UNAUTHORIZED', 'TOKEN_EXPIRED', 1, false],
      ['E_UNAUTHORIZED', 'TOKEN_EXPIRED', 2, false],
      ['E_UNAUTHORIZED', 'TOKEN_EXPIRED', 3, true],
    ]);
    expect(states).toContain('unauthorized');
    expect(states.at(-1)).toBe('closed');
    // A new token for every attempt, and no attempt after the last refusal.
    expect(server.headers.map((h) => h['authorization'])).toEqual(['Bearer token-1', 'Bearer token-2', 'Bearer token-3']);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(server.headers).toHaveLength(3);
  });

  it('a token accepted after a refusal resets the count and the client carries on', async () => {
    const server = await tokenServer((socket, index) => {
      if (index === 0) socket.close(4401, '{"code":"TOKEN_INVALID"}');
    });
    cleanups.push(server.close);
    const client = new OdinClient({ url: server.url, getToken: () => 'token', backoff: { initialMs: 10 } }).connect();
    cleanups.push(() => client.close());
    const { states, errors } = watch(client);
    const recoveries: unknown[] = [];
    client.on('recovery', (event) => recoveries.push(event));
    await client.subscribe('BTC.trade').ready;
    expect(client.state).toBe('open');
    // The refused connection was never served: the next one is no resume, and reports no gap.
    expect(recoveries).toEqual([]);
    expect(errors.map((e) => e.details.final)).toEqual([false]);
    expect(states).toEqual(['open', 'unauthorized', 'open']); // watched from after connect()'s 'connecting'
  });

  it('stops at the first refusal without getToken, and at the first 4403 ORIGIN_NOT_ALLOWED (a new token cannot help)', async () => {
    for (const [close, getToken] of [
      [[4401, '{"code":"TOKEN_MISSING"}'], undefined],
      [[4403, '{"code":"ORIGIN_NOT_ALLOWED"}'], () => 'token'],
    ] as const) {
      const server = await tokenServer((socket) => socket.close(close[0], close[1]));
      cleanups.push(server.close);
      const client = new OdinClient({ url: server.url, backoff: { initialMs: 10 }, ...(getToken ? { getToken } : {}) }).connect();
      cleanups.push(() => client.close());
      const { errors } = watch(client);
      await until('the client closed', () => client.state === 'closed');
      expect(errors).toHaveLength(1);
      expect(errors[0]).toMatchObject({ code: close[0] === 4401 ? 'E_UNAUTHORIZED' : 'E_FORBIDDEN', details: { final: true, closeCode: close[0] } });
      expect(server.urls).toHaveLength(1);
    }
  });

  it('stops at once, with a final E_UNAUTHORIZED, when getToken throws an UnauthorizedError (the user must sign in)', async () => {
    const server = await tokenServer(() => undefined);
    cleanups.push(server.close);
    const client = new OdinClient({
      url: server.url,
      getToken: () => {
        throw new UnauthorizedError('session ended');
      },
    }).connect();
    cleanups.push(() => client.close());
    const { errors } = watch(client);
    await until('the client closed', () => client.state === 'closed');
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({ code: 'E_UNAUTHORIZED', details: { final: true } });
    expect(errors[0]!.cause).toBeInstanceOf(UnauthorizedError);
    expect(server.urls).toHaveLength(0);
  });

  it('reads a plain HTTP 401 (a server without close-frame refusals) as a refusal too, on Node', async () => {
    const { createServer } = await import('node:http');
    const http = createServer((_req, res) => res.writeHead(400).end());
    http.on('upgrade', (_req, socket) => socket.end('HTTP/1.1 401 Unauthorized\r\nContent-Length: 0\r\nConnection: close\r\n\r\n'));
    await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
    cleanups.push(() => new Promise((resolve) => http.close(resolve)));
    const client = new OdinClient({ url: `ws://127.0.0.1:${(http.address() as AddressInfo).port}/ws` }).connect();
    cleanups.push(() => client.close());
    const { errors } = watch(client);
    await until('the client closed', () => client.state === 'closed');
    expect(errors[0]).toMatchObject({ code: 'E_UNAUTHORIZED', details: { serverCode: 'UNAUTHORIZED', final: true } });
  });
});
