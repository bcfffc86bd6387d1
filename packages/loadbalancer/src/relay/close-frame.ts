import { createHash } from 'node:crypto';
import type { Socket } from 'node:net';
import { answeredSubprotocol, type CloseReason, formatCloseReason } from '@odin-ws/protocol';
import type { HandshakeRequest } from '../intake/index.js';

/** RFC 6455 section 1.3. */
const WEBSOCKET_GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';

/**
 * When no shard can take a client, the load balancer completes the WebSocket handshake itself and
 * sends one close frame, so every client — a browser included, through CloseEvent.code/.reason —
 * learns why (1013 overloaded, 1012 no shard available) and when to retry. A plain HTTP 503 would
 * reach a browser only as an anonymous error. The subprotocol is answered as a shard would answer
 * it: a browser that offered one fails a handshake whose answer names none.
 */
export function upgradeAndClose(req: HandshakeRequest, socket: Socket, code: number, reason: CloseReason): void {
  // The handshake was checked before any refusal (http-answers.ts): the key is there and well formed.
  const key = String(req.headers['sec-websocket-key']);
  const accept = createHash('sha1')
    .update(key + WEBSOCKET_GUID)
    .digest('base64');
  const offered = req.headers['sec-websocket-protocol'];
  const protocol = answeredSubprotocol(Array.isArray(offered) ? offered.join(', ') : offered);
  const protocolLine = protocol === '' ? '' : `Sec-WebSocket-Protocol: ${protocol}\r\n`;
  socket.write(`HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${accept}\r\n${protocolLine}\r\n`);
  socket.end(closeFrame(code, formatCloseReason(reason)));
  // The client answers with its own close frame; we do not wait for it.
  socket.setTimeout(5000, () => socket.destroy());
  socket.on('error', () => socket.destroy());
}

/** An unmasked server close frame (RFC 6455 5.5.1); reasons are short (< 126 bytes). */
export function closeFrame(code: number, reason: string): Buffer {
  const reasonBytes = Buffer.from(reason, 'utf8').subarray(0, 123);
  const frame = Buffer.alloc(4 + reasonBytes.length);
  frame[0] = 0x88; // FIN + close opcode
  frame[1] = 2 + reasonBytes.length;
  frame.writeUInt16BE(code, 2);
  reasonBytes.copy(frame, 4);
  return frame;
}
