import { once } from 'node:events';
import { createServer, type Socket } from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';
import { envelopeTimestamp, RawClient } from './raw-client.js';

// A loopback TCP server plays the server side byte by byte, so frames can be cut wherever a
// read boundary may fall.

const server = createServer();
await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
const peers: Socket[] = [];
server.on('connection', (peer: Socket) => peers.push(peer));
afterAll(() => {
  for (const peer of peers) peer.destroy();
  return new Promise((resolve) => server.close(resolve));
});
const URL_ = `ws://127.0.0.1:${(server.address() as { port: number }).port}/ws`;

function serverFrame(opcode: number, payload: Buffer): Buffer {
  const header =
    payload.length < 126 ? Buffer.from([0x80 | opcode, payload.length]) : Buffer.from([0x80 | opcode, 126, payload.length >> 8, payload.length & 0xff]);
  return Buffer.concat([header, payload]);
}

/** Unmasks one client frame (client frames are always masked). */
function clientPayload(frame: Buffer): { opcode: number; text: string } {
  const length = frame[1]! & 0x7f;
  const at = length === 126 ? 4 : 2;
  const size = length === 126 ? frame.readUInt16BE(2) : length;
  const mask = frame.subarray(at, at + 4);
  const payload = Buffer.from(frame.subarray(at + 4, at + 4 + size).map((byte, i) => byte ^ mask[i & 3]!));
  return { opcode: frame[0]! & 0x0f, text: payload.toString() };
}

async function connected() {
  const texts: string[] = [];
  const closed: number[] = [];
  const accepted = once(server, 'connection') as Promise<[Socket]>;
  let opened = false;
  const client = new RawClient(URL_, undefined, {
    onOpen: () => {
      opened = true;
    },
    onText: (buffer, start, end) => texts.push(buffer.toString('utf8', start, end)),
    onClose: (code) => closed.push(code),
    onError: () => undefined,
  });
  const [peer] = await accepted;
  const [request] = (await once(peer, 'data')) as [Buffer];
  return { client, peer, request: request.toString(), texts, closed, isOpen: () => opened };
}

const tick = () => new Promise((resolve) => setTimeout(resolve, 30));

describe('RawClient', () => {
  it('handshakes, then reads frames cut at any byte, including the 101 head and the 16-bit length form', async () => {
    const { peer, request, texts, isOpen } = await connected();
    expect(request).toMatch(/^GET \/ws HTTP\/1\.1\r\n[\s\S]*Sec-WebSocket-Key: [A-Za-z0-9+/]{22}==\r\n/);
    const long = `{"ts":1,"data":"${'x'.repeat(300)}"}`;
    const bytes = Buffer.concat([
      Buffer.from('HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n'),
      serverFrame(1, Buffer.from('{"type":"subscription_ack"}')),
      serverFrame(1, Buffer.from(long)),
    ]);
    for (const byte of bytes) {
      peer.write(Buffer.from([byte]));
      await new Promise((resolve) => setImmediate(resolve));
    }
    await tick();
    expect(isOpen()).toBe(true);
    expect(texts).toEqual(['{"type":"subscription_ack"}', long]);
  });

  it('masks what it sends, answers a ping with its payload, and reports the close code', async () => {
    const { client, peer, closed } = await connected();
    const received: Buffer[] = [];
    peer.on('data', (chunk: Buffer) => received.push(chunk));
    peer.write('HTTP/1.1 101 Switching Protocols\r\n\r\n');
    await tick();
    client.send('{"type":"subscribe"}');
    peer.write(serverFrame(9, Buffer.from('hb')));
    await tick();
    const all = Buffer.concat(received);
    const first = clientPayload(all);
    expect(first).toEqual({ opcode: 1, text: '{"type":"subscribe"}' });
    expect(clientPayload(all.subarray(2 + 4 + first.text.length))).toEqual({ opcode: 0xa, text: 'hb' });
    peer.end(serverFrame(8, Buffer.from([0x03, 0xf4])));
    await tick();
    expect(closed).toEqual([1012]);
  });

  it('reports 1006 for a connection that ends without a close frame, and does not open on another status', async () => {
    const { peer, closed, isOpen } = await connected();
    peer.end('HTTP/1.1 503 Service Unavailable\r\n\r\n');
    await tick();
    expect(isOpen()).toBe(false);
    expect(closed).toEqual([1006]);
  });
});

describe('envelopeTimestamp', () => {
  it('reads ts in place, only inside the payload', () => {
    const buffer = Buffer.from('xx{"type":"price:update","ts":1712345678901,"data":{}}{"ts":5}');
    const end = buffer.indexOf('}{') + 1;
    expect(envelopeTimestamp(buffer, 2, end)).toBe(1712345678901);
    expect(envelopeTimestamp(buffer, 2, 20)).toBeUndefined();
    expect(envelopeTimestamp(Buffer.from('{"ts":"x"}'), 0, 10)).toBeUndefined();
  });
});
