import type { Server } from 'node:http';
import type { Socket } from 'node:net';
import { OdinError } from '@odin-ws/errors';
import { answerClientError } from './http-answers.js';
import { type HandshakeRequest, MAX_PLAIN_HEAD_BYTES, parsePlainHandshake } from './plain-handshake.js';

const END_OF_HEAD = Buffer.from('\r\n\r\n');
const HEADERS_TIMED_OUT = Object.assign(new Error('no request head in time'), { code: 'ERR_HTTP_REQUEST_TIMEOUT' });

export type PlainHandshakeListener = (req: HandshakeRequest, socket: Socket, head: Buffer) => void;

/**
 * Takes plain WebSocket handshakes off `server`'s new connections before node:http sees them: a
 * connection whose first read holds a whole plain upgrade request (plain-handshake.ts) goes to
 * `onHandshake` as node:http's 'upgrade' would send it; every other connection is handed to
 * node:http with its bytes put back, and gets the answers it always got.
 *
 * Why: per handshake, node:http allocates a parser, an IncomingMessage stream and a dozen socket
 * listeners, all undone at once for an upgrade: 4-7% of the load balancer's CPU per handshake in a
 * burst (docs/performance.md, third pass).
 *
 * Hazards: node:http's header timeout only starts when it gets the socket, so a connection that
 * sends nothing is answered 408 here after the same `headersTimeoutMs`. A head split over two reads
 * (a long token on a real network) is handed over with its first part, and node:http parses the
 * rest: slower, never wrong.
 */
export function takePlainHandshakes(server: Server, path: string, headersTimeoutMs: number, onHandshake: PlainHandshakeListener): void {
  // node:http's own 'connection' listener (installed by its constructor), kept for hand-overs.
  const [httpConnectionListener] = server.listeners('connection') as Array<(socket: Socket) => void>;
  if (!httpConnectionListener)
    throw new OdinError('E_HTTP_SERVER_UNSUPPORTED', `node:http ${process.version} installed no connection listener to hand connections to`, {
      node: process.version,
    });
  server.removeListener('connection', httpConnectionListener);
  server.on('connection', (socket: Socket) => {
    const onError = () => socket.destroy();
    // node:http's server allows half-open sockets: a client that hangs up before sending anything
    // would otherwise hold its socket until the timeout.
    const onEnd = () => socket.end();
    const timer = setTimeout(() => answerClientError(HEADERS_TIMED_OUT, socket), headersTimeoutMs);
    socket.on('error', onError);
    socket.once('end', onEnd);
    socket.once('close', () => clearTimeout(timer));
    socket.once('data', (chunk: Buffer) => {
      clearTimeout(timer);
      socket.off('error', onError);
      socket.off('end', onEnd);
      const end = chunk.indexOf(END_OF_HEAD);
      const request = end === -1 || end > MAX_PLAIN_HEAD_BYTES ? undefined : parsePlainHandshake(chunk.toString('latin1', 0, end), path);
      if (!request) {
        httpConnectionListener.call(server, socket);
        // node:http now reads the socket; these bytes reach its parser first, through 'data'.
        socket.unshift(chunk);
        return;
      }
      // As node:http leaves an upgraded socket: neither flowing nor paused, so bytes that arrive
      // before the splice wait in the socket and its first 'data' listener starts the flow.
      (socket as { readableFlowing: boolean | null }).readableFlowing = null;
      onHandshake(request, socket, chunk.subarray(end + END_OF_HEAD.length));
    });
  });
}
