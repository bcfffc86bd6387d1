// The load balancer's own answers to requests that never reach a shard: malformed handshakes and
// requests Node's HTTP parser refused.
import type { Socket } from 'node:net';
import { checkWebSocketHandshake, type HandshakeProblem } from '@odin-ws/protocol';
import { type HandshakeRequest, MAX_HANDSHAKE_HEADERS } from './plain-handshake.js';

/** The RFC 6455 rule a handshake breaks, if any (see packages/protocol/src/handshake.ts). */
export function handshakeProblemOf(req: HandshakeRequest): HandshakeProblem | undefined {
  if (req.rawHeaders.length / 2 > MAX_HANDSHAKE_HEADERS) {
    return { status: 431, code: 'TOO_MANY_HEADERS', message: `a handshake may carry at most ${MAX_HANDSHAKE_HEADERS} headers`, headers: {} };
  }
  const header = (name: string) => {
    const value = req.headers[name];
    return Array.isArray(value) ? value.join(',') : value;
  };
  return checkWebSocketHandshake({
    method: req.method ?? '',
    httpVersion: req.httpVersion,
    upgrade: header('upgrade'),
    connection: header('connection'),
    key: header('sec-websocket-key'),
    version: header('sec-websocket-version'),
    hostHeaders: countHeaders(req.rawHeaders, 'host'),
  });
}

/** How often a header appears (Node joins or drops repeats in req.headers; rawHeaders keeps them all). */
function countHeaders(rawHeaders: string[], name: string): number {
  let count = 0;
  for (let i = 0; i < rawHeaders.length; i += 2) if (rawHeaders[i]!.toLowerCase() === name) count++;
  return count;
}

/** A raw HTTP answer with a JSON body on a socket that never became a WebSocket, then FIN. */
export function endWithJson(socket: Socket, status: string, body: unknown, headers: Record<string, string> = {}): void {
  const extra = Object.entries(headers)
    .map(([name, value]) => `${name}: ${value}\r\n`)
    .join('');
  socket.end(`HTTP/1.1 ${status}\r\nContent-Type: application/json\r\n${extra}Connection: close\r\n\r\n${JSON.stringify(body)}`);
}

/**
 * Requests Node's parser refused (garbage, headers over 16 KB, too slow) get a status line before
 * the socket closes, as Node itself would answer without a clientError listener.
 */
export function answerClientError(error: NodeJS.ErrnoException, socket: Socket): void {
  if (socket.writable && !socket.destroyed) {
    const status =
      error.code === 'HPE_HEADER_OVERFLOW'
        ? '431 Request Header Fields Too Large'
        : error.code === 'ERR_HTTP_REQUEST_TIMEOUT'
          ? '408 Request Timeout'
          : '400 Bad Request';
    socket.end(`HTTP/1.1 ${status}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
  }
  socket.destroySoon();
}
