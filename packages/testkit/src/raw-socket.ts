import { connect, type Socket } from 'node:net';
import { randomBytes } from 'node:crypto';

/**
 * A WebSocket that is only a TCP socket after the 101: it never answers pings and reads only
 * when told to. The tool for dead peers and slow readers, which a real client library hides.
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

/** A masked client text frame (clients must mask), for writing to a raw socket. */
export function maskedTextFrame(text: string): Buffer {
  const payload = Buffer.from(text);
  if (payload.length > 125) throw new Error('maskedTextFrame: payloads over 125 bytes are not needed by the tests');
  const mask = randomBytes(4);
  const masked = Buffer.from(payload.map((byte, i) => byte ^ mask[i % 4]!));
  return Buffer.concat([Buffer.from([0x81, 0x80 | payload.length]), mask, masked]);
}
