import { randomBytes } from 'node:crypto';
import { connect, type Socket } from 'node:net';

/**
 * A WebSocket that is only a TCP socket after the 101: it never answers pings and reads only
 * when told to. The tool for dead peers, slow readers and broken framing, which a real client
 * library hides or refuses to produce.
 */
export function rawWebSocket(port: number, path = '/ws'): Promise<{ socket: Socket; head: string }> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => {
      socket.write(
        `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
          `Sec-WebSocket-Key: ${randomBytes(16).toString('base64')}\r\nSec-WebSocket-Version: 13\r\n\r\n`,
      );
    });
    let head = '';
    const onData = (chunk: Buffer) => {
      head += chunk.toString('latin1');
      const end = head.indexOf('\r\n\r\n');
      if (end === -1) return;
      socket.off('data', onData);
      if (!head.startsWith('HTTP/1.1 101')) reject(new Error(`handshake refused: ${head.split('\r\n')[0]}`));
      else resolve({ socket, head: head.slice(0, end) });
    };
    socket.on('data', onData);
    socket.once('error', reject);
  });
}

/**
 * A client frame with every bit under the test's control: `first` is the FIN/RSV/opcode byte,
 * `mask` false makes the (illegal) unmasked form, `declaredLength` lies about the payload size.
 */
export function clientFrame(first: number, payload: Buffer | string, options: { mask?: boolean; declaredLength?: number } = {}): Buffer {
  const body = Buffer.from(payload);
  const mask = options.mask ?? true;
  const length = options.declaredLength ?? body.length;
  const lengthBytes =
    length < 126
      ? Buffer.from([length])
      : length < 65_536
        ? Buffer.from([126, length >> 8, length & 0xff])
        : Buffer.concat([Buffer.from([127]), bigEndian64(length)]);
  if (mask) lengthBytes[0]! |= 0x80;
  const key = mask ? randomBytes(4) : Buffer.alloc(0);
  const maskedBody = mask ? Buffer.from(body.map((byte, i) => byte ^ key[i % 4]!)) : body;
  return Buffer.concat([Buffer.from([first]), lengthBytes, key, maskedBody]);
}

/** A masked client text frame, for writing to a raw socket. */
export function maskedTextFrame(text: string): Buffer {
  return clientFrame(0x81, text);
}

function bigEndian64(value: number): Buffer {
  const bytes = Buffer.alloc(8);
  bytes.writeBigUInt64BE(BigInt(value));
  return bytes;
}

export interface RawExchange {
  /** Everything the server sent. */
  received: Buffer;
  /** True if the server closed the connection within the wait. */
  closed: boolean;
}

/**
 * Writes `bytes` on a fresh TCP connection (or on `socket`) and collects what comes back until the
 * server closes or `waitMs` passes.
 */
export function exchangeRaw(target: { port: number } | { socket: Socket }, bytes: Buffer | string, waitMs = 2000): Promise<RawExchange> {
  return new Promise((resolve) => {
    const socket = 'socket' in target ? target.socket : connect(target.port, '127.0.0.1');
    const chunks: Buffer[] = [];
    let settled = false;
    const finish = (closed: boolean) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      resolve({ received: Buffer.concat(chunks), closed });
    };
    const timer = setTimeout(() => finish(false), waitMs);
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('close', () => finish(true));
    socket.on('error', () => finish(true));
    socket.resume();
    socket.write(bytes);
  });
}

/** The status code of a raw HTTP answer, or undefined if none came. */
export function httpStatusOf(received: Buffer): number | undefined {
  const match = /^HTTP\/1\.1 (\d{3})/.exec(received.toString('latin1'));
  return match ? Number(match[1]) : undefined;
}
