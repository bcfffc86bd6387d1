import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { type WebSocket, WebSocketServer } from 'ws';

/**
 * A scripted peer: these tests need a server that closes with any code, repeats an envelope or
 * ignores pings at will, which a real shard never does on purpose. The real fleet is exercised by
 * the fault suite (apps/cli/test/faults-*.test.ts).
 */
export async function scriptedServer(onConnection: (socket: WebSocket, index: number, requests: Array<Record<string, unknown>>) => void) {
  const server = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  await once(server, 'listening');
  const requests: Array<Record<string, unknown>> = [];
  let connections = 0;
  server.on('connection', (socket) => {
    const index = connections++;
    socket.on('message', (data) => requests.push({ connection: index, ...(JSON.parse(data.toString()) as Record<string, unknown>) }));
    onConnection(socket, index, requests);
  });
  return {
    url: `ws://127.0.0.1:${(server.address() as AddressInfo).port}/ws`,
    requests,
    connections: () => connections,
    close: () =>
      new Promise<void>((resolve) => {
        for (const client of server.clients) client.terminate();
        server.close(() => resolve());
      }),
  };
}

export function envelope(channel: string, offset: number, n = offset) {
  return JSON.stringify({ type: 'price:update', channel, pos: { partition: 0, offset }, ts: 1, data: { n } });
}

/** Acks every subscribe the way a shard does. */
export function ackSubscribes(socket: WebSocket, recovery?: Record<string, unknown>) {
  socket.on('message', (data) => {
    const message = JSON.parse(data.toString()) as { type: string; id?: string; data: { channels: string[] } };
    if (message.type === 'subscribe')
      socket.send(
        JSON.stringify({
          type: 'subscription_ack',
          subscribed: message.data.channels,
          count: message.data.channels.length,
          id: message.id,
          ...(recovery ? { recovery } : {}),
        }),
      );
    if (message.type === 'ping') socket.send(JSON.stringify({ type: 'pong', ts: Date.now() }));
  });
}

export function until<T>(what: string, check: () => T | undefined, timeoutMs = 5000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  return new Promise((resolve, reject) => {
    const poll = () => {
      const value = check();
      if (value !== undefined && value !== false) return resolve(value);
      if (Date.now() > deadline) return reject(new Error(`timed out waiting for ${what}`));
      setTimeout(poll, 5);
    };
    poll();
  });
}
