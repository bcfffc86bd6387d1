import { once } from 'node:events';
import { createServer, type Server, type Socket, connect as tcpConnect } from 'node:net';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { afterEach, describe, expect, it } from 'vitest';
import { writeToHandle } from './handle-write.js';

/** V8's collector, callable without starting node with --expose-gc. */
function collectGarbage(): void {
  setFlagsFromString('--expose-gc');
  (runInNewContext('gc') as () => void)();
}

/** Socket pairs on loopback: `writer` is ours, `reader` the far end, paused until read. */
async function socketPairs(server: Server, count: number): Promise<{ writer: Socket; reader: Socket }[]> {
  const accepted: Socket[] = [];
  server.on('connection', (socket: Socket) => {
    socket.pause();
    accepted.push(socket);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  const writers: Socket[] = [];
  for (let i = 0; i < count; i++) {
    const writer = tcpConnect(port, '127.0.0.1');
    await once(writer, 'connect');
    writers.push(writer);
  }
  while (accepted.length < count) await new Promise((resolve) => setTimeout(resolve, 5));
  // Accepted in connect order on loopback; matched by port to be sure.
  return writers.map((writer) => ({ writer, reader: accepted.find((socket) => socket.remotePort === writer.localPort)! }));
}

async function readAll(socket: Socket, bytes: number): Promise<Buffer> {
  const received: Buffer[] = [];
  let length = 0;
  socket.on('data', (chunk: Buffer) => {
    received.push(chunk);
    length += chunk.length;
  });
  socket.resume();
  while (length < bytes) await new Promise((resolve) => setTimeout(resolve, 5));
  return Buffer.concat(received);
}

describe('writeToHandle', () => {
  let server: Server;
  afterEach(() => server?.close());

  it('writes whole, queues what the kernel cannot take, then leaves the socket to socket.write until it drains', async () => {
    server = createServer();
    const { writer, reader } = (await socketPairs(server, 1))[0]!;
    const chunk = Buffer.alloc(4096, 7);
    expect(writeToHandle(writer, chunk)).toBe('written');
    let outcome = 'written';
    let written = 1;
    while (outcome === 'written') {
      outcome = writeToHandle(writer, chunk);
      written++;
    }
    expect(outcome).toBe('queued');
    expect(writeToHandle(writer, chunk)).toBe('unavailable'); // bytes wait ahead of it
    const all = await readAll(reader, written * chunk.length);
    expect(all.length).toBe(written * chunk.length);
    expect(all.every((byte) => byte === 7)).toBe(true);
    writer.destroy();
  });

  it("never keeps the caller's chunk, and keeps every queued copy alive until it is sent", async () => {
    server = createServer();
    // Enough sockets with bytes waiting that their copies outgrow one arena, whose memory then
    // lives only through the requests that still point into it.
    const pairs = await socketPairs(server, 48);
    const chunk = Buffer.alloc(3000);
    const sent = pairs.map(() => [] as Buffer[]);
    for (const [index, { writer }] of pairs.entries()) {
      for (let n = 0; ; n++) {
        chunk.fill((index * 31 + n) % 251); // the caller reuses its chunk at once
        const outcome = writeToHandle(writer, chunk);
        sent[index]!.push(Buffer.from(chunk));
        if (outcome === 'queued') break;
        expect(outcome).toBe('written');
      }
    }
    const junk: Buffer[] = [];
    for (let round = 0; round < 5; round++) {
      collectGarbage();
      for (let i = 0; i < 64; i++) junk.push(Buffer.alloc(64 * 1024, 0xee));
    }
    for (const [index, { writer, reader }] of pairs.entries()) {
      const expected = Buffer.concat(sent[index]!);
      const all = await readAll(reader, expected.length);
      expect(all.equals(expected)).toBe(true);
      writer.destroy();
    }
  });

  it('destroys the socket with a coded error when the kernel refuses the write', async () => {
    server = createServer({ allowHalfOpen: true });
    const accepted = once(server, 'connection');
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const writer = tcpConnect({ port: (server.address() as { port: number }).port, host: '127.0.0.1', allowHalfOpen: true });
    await Promise.all([once(writer, 'connect'), accepted]);
    // Its sending side shut down (FIN sent), the socket is still open: the kernel says EPIPE.
    writer.end();
    await once(writer, 'finish');
    const failed = once(writer, 'error');
    expect(writeToHandle(writer, Buffer.from('x'))).toBe('failed');
    const [error] = (await failed) as [{ code: string; details: { code: string } }];
    expect(error.code).toBe('E_SOCKET_WRITE_FAILED');
    expect(error.details.code).toBe('EPIPE');
    expect(writer.destroyed).toBe(true);
  });

  it('answers unavailable for a socket without a handle', () => {
    const socket = tcpConnect({ port: 1, host: '127.0.0.1' });
    socket.on('error', () => undefined);
    socket.destroy();
    expect(writeToHandle(socket, Buffer.from('x'))).toBe('unavailable');
  });
});
