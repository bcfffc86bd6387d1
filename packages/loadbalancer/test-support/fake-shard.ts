import { createServer, type Server, type Socket } from 'node:net';
import { type ShardRefusalCode, shardRefusalAnswer } from '@odin-ws/protocol';

/**
 * A loopback TCP server standing in for a shard in the load balancer's unit tests: whatever dials
 * it (upstream-handshake.ts, the breaker, the router) is the real code. Each connection is answered,
 * once its request arrives, as `answer` says.
 */
export interface FakeShard {
  url: string;
  close(): Promise<void>;
}

export async function startFakeShard(answer: (socket: Socket) => void): Promise<FakeShard> {
  const server: Server = createServer((socket) => socket.once('data', () => answer(socket)));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no TCP address');
  return { url: `ws://127.0.0.1:${address.port}/ws`, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

/** A shard's 101. */
export const ACCEPTED_HEAD = 'HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n';

/** The response head a shard sends when it refuses a handshake with `code` (at capacity, draining). */
export function refusalHead(code: ShardRefusalCode): string {
  const answer = shardRefusalAnswer(code);
  const headers = Object.entries(answer.headers).map(([name, value]) => `${name}: ${value}`);
  return `HTTP/1.1 ${answer.status}\r\n${headers.join('\r\n')}\r\n\r\n`;
}
