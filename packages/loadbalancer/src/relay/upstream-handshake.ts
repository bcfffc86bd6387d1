import { connect, type Socket } from 'node:net';
import { OdinError } from '@odin-ws/errors';
import { readShardRefusal, ShardRefusalCode } from '@odin-ws/protocol';
import type { HandshakeRequest } from '../intake/index.js';
import { ShardReader } from './shard-reader.js';

/**
 * Why a shard did not take a handshake; each is a `reason` label of ws_handshake_failures_total.
 * circuit_open: the shard's breaker refused to try it (pooled-shard.ts), no dial was made.
 */
export type HandshakeFailureReason = 'refused' | 'reset' | 'timeout' | 'shard_full' | 'draining' | 'bad_status' | 'circuit_open';

export class HandshakeFailure extends OdinError {
  constructor(
    readonly reason: HandshakeFailureReason,
    message: string,
    details: Record<string, unknown> = {},
  ) {
    super('E_SHARD_HANDSHAKE_FAILED', message, { reason, ...details });
  }
}

export interface UpstreamConnection {
  socket: Socket;
  /** The socket's reader: its bytes arrive here, not as 'data' events. Paused after the 101, holding what came since in `response`. */
  reader: ShardReader;
  /** The shard's 101 response head and any bytes that followed it, to pass to the client as they are. */
  response: Buffer;
}

const MAX_RESPONSE_HEAD = 16 * 1024;

/**
 * The client's upgrade request, forwarded: same method, path and query, every header as the
 * client sent it (raw order and case), plus X-Forwarded-For with the client's address appended.
 */
export function buildUpstreamRequest(req: HandshakeRequest, clientAddress: string): Buffer {
  const lines = [`${req.method ?? 'GET'} ${req.url ?? '/'} HTTP/1.1`];
  let forwardedFor: string | undefined;
  for (let i = 0; i < req.rawHeaders.length; i += 2) {
    const name = req.rawHeaders[i]!;
    const value = req.rawHeaders[i + 1]!;
    if (name.toLowerCase() === 'x-forwarded-for') forwardedFor = forwardedFor ? `${forwardedFor}, ${value}` : value;
    else lines.push(`${name}: ${value}`);
  }
  lines.push(`X-Forwarded-For: ${forwardedFor ? `${forwardedFor}, ${clientAddress}` : clientAddress}`);
  return Buffer.from(`${lines.join('\r\n')}\r\n\r\n`, 'latin1');
}

/**
 * Opens a TCP connection to a shard and replays the handshake. Resolves on "101 Switching
 * Protocols"; rejects with a HandshakeFailure for anything else (refused, reset, timeout, 503
 * full or draining, any other status), so the caller can try the next shard.
 */
export function dialShard(host: string, port: number, request: Buffer, timeoutMs: number): Promise<UpstreamConnection> {
  return new Promise((resolve, reject) => {
    const reader = new ShardReader();
    const socket = connect({ host, port, noDelay: true, onread: reader.onread });
    // Flowing, though its bytes go to the reader and never to 'data': a socket that is not flowing
    // never emits 'end', so a shard that hangs up without answering would only time out.
    socket.resume();
    let received = Buffer.alloc(0);
    let settled = false;
    const fail = (failure: HandshakeFailure) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      reject(failure);
    };
    const timer = setTimeout(() => fail(new HandshakeFailure('timeout', `no answer from ${host}:${port} within ${timeoutMs} ms`)), timeoutMs);
    socket.once('connect', () => socket.write(request));
    socket.on('error', (error: NodeJS.ErrnoException) => {
      const reason = error.code === 'ECONNREFUSED' ? 'refused' : 'reset';
      fail(new HandshakeFailure(reason, `${host}:${port}: ${error.code ?? error.message}`, { errno: error.code }));
    });
    socket.on('close', () => fail(new HandshakeFailure('reset', `${host}:${port} closed before answering`)));
    // Buffer.concat copies: nothing here keeps the reader's slab.
    reader.sink = (chunk) => {
      received = Buffer.concat([received, chunk]);
      const end = received.indexOf('\r\n\r\n');
      if (end === -1) {
        if (received.length > MAX_RESPONSE_HEAD) fail(new HandshakeFailure('bad_status', `${host}:${port}: response head too large`));
        return true;
      }
      const head = received.subarray(0, end).toString('latin1');
      const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(head)?.[1] ?? 0);
      if (status !== 101) {
        // A full or draining shard says so in its response head (the tiers' contract); any other answer is a failure.
        const reason = status === 503 ? failureReasonOf(readShardRefusal(head)) : 'bad_status';
        fail(new HandshakeFailure(reason, `${host}:${port} answered ${status}`, { status }));
        return false;
      }
      settled = true;
      clearTimeout(timer);
      socket.removeAllListeners('close');
      socket.removeAllListeners('error');
      // Reading pauses here (false); should a read still land before the splice takes over, it waits in `response`.
      const connection: UpstreamConnection = { socket, reader, response: received };
      reader.sink = (more) => {
        connection.response = Buffer.concat([connection.response, more]);
        return false;
      };
      resolve(connection);
      return false;
    };
  });
}

function failureReasonOf(refusal: ShardRefusalCode | undefined): HandshakeFailureReason {
  if (refusal === ShardRefusalCode.AT_CAPACITY) return 'shard_full';
  if (refusal === ShardRefusalCode.DRAINING) return 'draining';
  return 'bad_status';
}
