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

function listen(server: Server): Promise<number> {
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as { port: number }).port)));
}

describe('splice', () => {
  const servers: Server[] = [];
  afterEach(() => {
    for (const server of servers) server.close();
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

    // The load balancer's side: each accepted client is spliced to the stand-in shard.
    const lb = createServer((client: Socket) => {
      void dialShard('127.0.0.1', shardPort, Buffer.from('GET /ws HTTP/1.1\r\nHost: x\r\n\r\n'), 5000).then((upstream) =>
        splice(
          client,
          Buffer.alloc(0),
          upstream,
          () => undefined,
          () => undefined,
        ),
      );
    });
    servers.push(lb);
    const lbPort = await listen(lb);

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
});
