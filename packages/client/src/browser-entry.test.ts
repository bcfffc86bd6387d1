import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocketServer } from 'ws';
// The browser entry alone: the platform's standard WebSocket (Node 24's is the WHATWG one, as in
// browsers), which cannot send handshake headers.
import { OdinClient } from './index.js';

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

describe('OdinClient on a platform WebSocket (the browser entry)', () => {
  it('offers the token as the subprotocol odin.bearer.<token> beside odin.v1, since it cannot send an Authorization header, and never puts it in the URL', async () => {
    const server = new WebSocketServer({ host: '127.0.0.1', port: 0 });
    await once(server, 'listening');
    cleanups.push(() => new Promise((resolve) => server.close(resolve)));
    const handshake = new Promise<{ url: string; protocol: unknown; authorization: unknown }>((resolve) =>
      server.on('connection', (socket, req) => {
        resolve({ url: req.url ?? '', protocol: req.headers['sec-websocket-protocol'], authorization: req.headers.authorization });
        socket.close();
      }),
    );
    const client = new OdinClient({ url: `ws://127.0.0.1:${(server.address() as AddressInfo).port}/ws`, getToken: () => 'token-1' }).connect();
    cleanups.push(() => client.close());
    expect(await handshake).toEqual({ url: '/ws', protocol: 'odin.v1, odin.bearer.token-1', authorization: undefined });
  });

  it('refuses handshake headers, which a browser cannot send, instead of dropping them silently', () => {
    expect(() => new OdinClient({ url: 'ws://127.0.0.1:1/ws', headers: { Authorization: 'Bearer x' } })).toThrowError(
      expect.objectContaining({ code: 'E_INVALID_OPTION', details: { value: ['Authorization'] } }),
    );
  });
});
