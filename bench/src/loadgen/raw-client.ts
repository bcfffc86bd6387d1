import { randomBytes } from 'node:crypto';
import { connect, type Socket } from 'node:net';

/**
 * The load generator's WebSocket client: a TCP socket, the RFC 6455 handshake and a frame reader,
 * nothing else. It exists because a general client (`ws`) costs more per frame than the servers it
 * measures (an event, a Buffer and a string per message): with 5,000 clients on one channel its own
 * queueing set the p99. Here a data frame costs a scan of its bytes for `"ts":` and no allocation.
 *
 * It handles only what odin-ws sends: unmasked frames from the server, text, ping (answered with a
 * pong) and close; no extensions (compression is never offered).
 */
export interface RawClientHandlers {
  /** The server answered 101. */
  onOpen(): void;
  /** A text frame: its payload is `buffer[start, end)`, valid only during the call. */
  onText(buffer: Buffer, start: number, end: number): void;
  /** The connection ended: the server's close code, or 1006 without a close frame. */
  onClose(code: number): void;
  onError(error: NodeJS.ErrnoException): void;
}

const HEAD_END = Buffer.from('\r\n\r\n');
const OPCODE_TEXT = 0x1;
const OPCODE_CLOSE = 0x8;
const OPCODE_PING = 0x9;
const OPCODE_PONG = 0xa;
const NO_CLOSE_FRAME = 1006;

export class RawClient {
  private readonly socket: Socket;
  private opened = false;
  private closeCode = NO_CLOSE_FRAME;
  /** Bytes of a frame (or the response head) cut by a read boundary, waiting for the rest. */
  private pending: Buffer | undefined;

  constructor(
    url: string,
    localAddress: string | undefined,
    private readonly handlers: RawClientHandlers,
  ) {
    const { hostname, port, pathname, search } = new URL(url);
    this.socket = connect({ host: hostname, port: Number(port), localAddress, noDelay: true });
    this.socket.once('connect', () => {
      const key = randomBytes(16).toString('base64');
      this.socket.write(
        `GET ${pathname}${search} HTTP/1.1\r\nHost: ${hostname}:${port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
          `Sec-WebSocket-Key: ${key}\r\nSec-WebSocket-Version: 13\r\n\r\n`,
      );
    });
    this.socket.on('data', (chunk: Buffer) => this.read(chunk));
    this.socket.once('error', (error: NodeJS.ErrnoException) => handlers.onError(error));
    this.socket.once('close', () => handlers.onClose(this.closeCode));
  }

  /** Sends one text message (under 64 KiB: a subscribe), masked as a client must. */
  send(text: string): void {
    this.sendFrame(OPCODE_TEXT, Buffer.from(text, 'utf8'));
  }

  terminate(): void {
    this.socket.destroy();
  }

  private read(chunk: Buffer): void {
    let buffer = this.pending ? Buffer.concat([this.pending, chunk]) : chunk;
    this.pending = undefined;
    if (!this.opened) {
      const end = buffer.indexOf(HEAD_END);
      if (end === -1) {
        this.pending = buffer;
        return;
      }
      if (!buffer.subarray(0, 13).toString('latin1').startsWith('HTTP/1.1 101')) {
        this.socket.destroy();
        return;
      }
      this.opened = true;
      this.handlers.onOpen();
      buffer = buffer.subarray(end + HEAD_END.length);
    }
    let at = 0;
    while (buffer.length - at >= 2) {
      const opcode = buffer[at]! & 0x0f;
      let length = buffer[at + 1]! & 0x7f;
      let header = 2;
      if (length === 126) {
        if (buffer.length - at < 4) break;
        length = buffer.readUInt16BE(at + 2);
        header = 4;
      } else if (length === 127) {
        if (buffer.length - at < 10) break;
        length = Number(buffer.readBigUInt64BE(at + 2));
        header = 10;
      }
      if (buffer.length - at < header + length) break;
      const start = at + header;
      const end = start + length;
      if (opcode === OPCODE_TEXT) this.handlers.onText(buffer, start, end);
      else if (opcode === OPCODE_PING) this.sendFrame(OPCODE_PONG, buffer.subarray(start, end));
      else if (opcode === OPCODE_CLOSE) {
        this.closeCode = length >= 2 ? buffer.readUInt16BE(start) : NO_CLOSE_FRAME;
        this.socket.end();
        return;
      }
      at = end;
    }
    if (at < buffer.length) this.pending = buffer.subarray(at);
  }

  private sendFrame(opcode: number, payload: Buffer): void {
    if (payload.length > 0xffff) throw new RangeError(`a load-generator frame is at most 65535 bytes, got ${payload.length}`);
    const lengthBytes = payload.length < 126 ? 0 : 2;
    const frame = Buffer.allocUnsafe(2 + lengthBytes + 4 + payload.length);
    frame[0] = 0x80 | opcode;
    if (lengthBytes === 0) frame[1] = 0x80 | payload.length;
    else {
      frame[1] = 0x80 | 126;
      frame.writeUInt16BE(payload.length, 2);
    }
    const maskAt = 2 + lengthBytes;
    randomBytes(4).copy(frame, maskAt);
    for (let i = 0; i < payload.length; i++) frame[maskAt + 4 + i] = payload[i]! ^ frame[maskAt + (i & 3)]!;
    this.socket.write(frame);
  }
}

const TS_MARK = Buffer.from('"ts":');

/** The `ts` field of an envelope in `buffer[start, end)`, read in place; undefined when it has none. */
export function envelopeTimestamp(buffer: Buffer, start: number, end: number): number | undefined {
  const at = buffer.indexOf(TS_MARK, start);
  if (at === -1 || at >= end) return undefined;
  let value = 0;
  let digits = 0;
  for (let i = at + TS_MARK.length; i < end; i++) {
    const byte = buffer[i]!;
    if (byte < 0x30 || byte > 0x39) break;
    value = value * 10 + (byte - 0x30);
    digits++;
  }
  return digits > 0 ? value : undefined;
}
