import { once } from 'node:events';
import { createServer, type Server, type Socket, connect as tcpConnect } from 'node:net';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { afterEach, describe, expect, it } from 'vitest';
import { splice } from './splice.js';
import { dialShard } from './upstream-handshake.js';

/**
 * The splice on real sockets, without Kafka: a stand-in shard answers 101 and streams a known byte
 * pattern; the spliced client reads it late, so the load balancer's writes back up. Every byte must
 * arrive in order: the shard reader reuses one buffer per read, and a chunk still queued for the
 * client must not be overwritten by the next read.
 */
const PATTERN_BYTES = 16 * 1024 * 1024; // well beyond what loopback socket buffers absorb
const byteAt = (i: number) => (i * 7 + (i >> 13)) % 251;

/** V8's collector, callable without starting node with --expose-gc. */
function collectGarbage(): void {
  setFlagsFromString('--expose-gc');
  (runInNewContext('gc') as () => void)();
}

async function readToEnd(socket: Socket): Promise<Buffer> {
  const received: Buffer[] = [];
  socket.on('data', (chunk: Buffer) => received.push(chunk));
  socket.resume();
  await once(socket, 'end');
  return Buffer.concat(received);
}

/**
 * The load balancer's side: each accepted client is spliced to the stand-in shard. Half-open
 * sockets, as node:http's server makes them (a client's FIN leaves its socket open for writing).
 */
function startLoadBalancer(servers: Server[], shardPort: number, stallCut = { timeoutMs: 30_000, timeouts: 0 }): Promise<number> {
  const lb = createServer({ allowHalfOpen: true }, (client: Socket) => {
    const events = { onClose: () => undefined, onProtocolError: () => undefined, onStalledClient: () => stallCut.timeouts++ };
    void dialShard('127.0.0.1', shardPort, Buffer.from('GET /ws HTTP/1.1\r\nHost: x\r\n\r\n'), 5000).then((upstream) =>
      splice(client, Buffer.alloc(0), upstream, events, stallCut.timeoutMs),
    );
  });
  servers.push(lb);
  return listen(lb);
}

/** Masked binary client frames (mask key 0: the payload reads as sent) of uneven sizes, `bytes` in all. */
function clientFrames(bytes: number): Buffer {
  const frames: Buffer[] = [];
  let total = 0;
  for (let n = 0; total < bytes; n++) {
    const size = 126 + ((n * 997) % 2900);
    const frame = Buffer.alloc(8 + size);
    frame[0] = 0x82;
    frame[1] = 0x80 | 126;
    frame.writeUInt16BE(size, 2); // mask key: bytes 4-7, zero
    for (let i = 0; i < size; i++) frame[8 + i] = byteAt(total + i);
    frames.push(frame);
    total += frame.length;
  }
  return Buffer.concat(frames);
}

function listen(server: Server): Promise<number> {
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as { port: number }).port)));
}

describe('splice', () => {
  const servers: Server[] = [];
  afterEach(() => {
    for (const server of servers) server.close();
  });

  it('cuts a client that takes nothing of what waits for it (its data, then the end its shard sent) within the stalled-client timeout', async () => {
    // A shard that streams, then ends (as a shard ends a slow consumer's connection after its close frame).
    const shard = createServer((socket) => {
      // The LB cuts this connection with bytes still unread: a reset here is expected.
      socket.on('error', () => undefined);
      socket.once('data', () => {
        socket.write('HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n');
        socket.end(Buffer.alloc(8 * 1024 * 1024, 0x61)); // more than the client's and the LB's socket buffers hold
      });
    });
    servers.push(shard);
    const stallCut = { timeoutMs: 300, timeouts: 0 };
    const lbPort = await startLoadBalancer(servers, await listen(shard), stallCut);
    const client = tcpConnect(lbPort, '127.0.0.1');
    client.pause(); // never reads: the LB's writes back up, and its close waits behind them
    client.on('error', () => undefined);
    await once(client, 'connect');
    const startedAt = Date.now();
    while (stallCut.timeouts === 0 && Date.now() - startedAt < 5000) await new Promise((resolve) => setTimeout(resolve, 20));
    expect(stallCut.timeouts).toBe(1);
    // The LB let go of it: reading now finds the connection closed, not 8 MB more to come.
    const closed = once(client, 'close');
    client.resume();
    await closed;
  });

  it('relays everything the shard sends, in order and intact, to a client that reads late', { timeout: 20_000 }, async () => {
    const shard = createServer((socket) => {
      socket.once('data', () => {
        socket.write('HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n');
        // Small uneven chunks, one per turn of the event loop, so the load balancer reads them one
        // by one: a write the kernel takes only in part then leaves less than the high-water mark
        // queued, and the next read lands while those bytes still wait.
        let sent = 0;
        const pump = () => {
          if (sent >= PATTERN_BYTES) return void socket.end();
          const size = Math.min(1 + ((sent * 31) % 3000), PATTERN_BYTES - sent);
          const chunk = Buffer.alloc(size);
          for (let i = 0; i < size; i++) chunk[i] = byteAt(sent + i);
          sent += size;
          if (socket.write(chunk)) setImmediate(pump);
          else socket.once('drain', pump);
        };
        pump();
      });
    });
    servers.push(shard);
    const shardPort = await listen(shard);

    const lbPort = await startLoadBalancer(servers, shardPort);

    // A second client reads at once, so its shard socket keeps reading into the memory the slow
    // client's waiting bytes came from; those must have been copied out of it.
    const lateClient = tcpConnect(lbPort, '127.0.0.1');
    lateClient.pause();
    await once(lateClient, 'connect');
    const promptClient = tcpConnect(lbPort, '127.0.0.1');
    const promptBody = readToEnd(promptClient);
    await new Promise((resolve) => setTimeout(resolve, 300)); // the LB's writes to the late client back up
    // Bytes the kernel has not taken yet wait in memory only libuv points to: collect garbage and
    // reuse the memory freed, so a chunk the relay stopped referencing too early arrives as junk.
    const junk: Buffer[] = [];
    for (let round = 0; round < 5; round++) {
      collectGarbage();
      for (let i = 0; i < 64; i++) junk.push(Buffer.alloc(64 * 1024, 0xee));
    }
    const bodies = await Promise.all([readToEnd(lateClient), promptBody]);
    for (const all of bodies) {
      const head = all.indexOf('\r\n\r\n') + 4;
      expect(all.subarray(0, head).toString('latin1')).toMatch(/^HTTP\/1\.1 101 /);
      const body = all.subarray(head);
      expect(body.length).toBe(PATTERN_BYTES);
      const firstWrong = body.findIndex((byte, i) => byte !== byteAt(i));
      expect(firstWrong).toBe(-1);
    }
  });

  it('relays everything a client sends, in order, to a shard that reads late, then passes on its half-close', { timeout: 20_000 }, async () => {
    let shardGot: Promise<Buffer> | undefined;
    const shard = createServer({ allowHalfOpen: true }, (socket) => {
      socket.once('data', () => {
        socket.write('HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n');
        socket.pause(); // the load balancer's writes to this shard back up
        shardGot = new Promise((resolve) => setTimeout(() => resolve(readToEnd(socket)), 300));
      });
    });
    servers.push(shard);
    const lbPort = await startLoadBalancer(servers, await listen(shard));

    const client = tcpConnect(lbPort, '127.0.0.1');
    await once(client, 'data'); // the 101
    const sent = clientFrames(16 * 1024 * 1024);
    client.end(sent);
    while (!shardGot) await new Promise((resolve) => setTimeout(resolve, 10));
    const got = await shardGot;
    expect(got.length).toBe(sent.length);
    expect(got.equals(sent)).toBe(true);
  });
});
