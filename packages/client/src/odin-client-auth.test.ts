import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { type WebSocket, WebSocketServer } from 'ws';
import { OdinClient, type SubscriptionState } from './node.js';

/** A scripted peer that records each connection's URL and messages, and acks subscribes. */
async function tokenServer(onConnection: (socket: WebSocket, index: number) => void) {
  const server = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  await once(server, 'listening');
  const urls: string[] = [];
  const requests: Array<Record<string, unknown>> = [];
  server.on('connection', (socket, req) => {
    const index = urls.length;
    urls.push(req.url ?? '');
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
  it('puts a fresh token on the URL of every connection, and answers token_expiring with a refresh', async () => {
    const server = await tokenServer((socket, index) => {
      if (index === 0) setTimeout(() => socket.send(JSON.stringify({ type: 'token_expiring', expiresAt: Date.now() + 1000 })), 50);
    });
    cleanups.push(server.close);
    let issued = 0;
    const client = new OdinClient({ url: `${server.url}?app=ticker`, getToken: async () => `token-${++issued}`, backoff: { initialMs: 10 } }).connect();
    cleanups.push(() => client.close());
    client.subscribe('BTC.trade');
    const refresh = await until('a refresh', () => server.requests.find((request) => request['type'] === 'refresh'));
    expect(refresh).toMatchObject({ connection: 0, token: 'token-2' });
    expect(new URL(server.urls[0]!, 'ws://x').searchParams.get('token')).toBe('token-1');
    expect(new URL(server.urls[0]!, 'ws://x').searchParams.get('app')).toBe('ticker'); // the URL's own query is kept
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
    expect(new URL(server.urls[1]!, 'ws://x').searchParams.get('token')).toBe('token-2');
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
