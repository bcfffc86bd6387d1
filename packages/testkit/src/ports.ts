import { connect, createServer } from 'node:net';

/** A port that was free a moment ago on 127.0.0.1 (0 asks the kernel for one). */
export function freePort(port = 0): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(port, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

/** True when something on 127.0.0.1 accepts a TCP connection on `port` now (a started process is listening). */
export function acceptsConnections(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1', () => {
      socket.destroy();
      resolve(true);
    });
    socket.on('error', () => resolve(false));
  });
}

/** The first of `count` consecutive ports that were all free a moment ago (local mode's shards). */
export async function freePortRange(count: number): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const first = await freePort();
    if (first + count > 65_535) continue;
    const rest = await Promise.all(
      Array.from({ length: count - 1 }, (_, i) =>
        freePort(first + i + 1).then(
          () => true,
          () => false,
        ),
      ),
    );
    if (rest.every(Boolean)) return first;
  }
  throw new Error(`no ${count} consecutive free ports found`);
}

/** Below Linux's ephemeral range (32768-60999): no outgoing connection is ever given one of these. */
const STABLE_PORTS = { from: 20_000, to: 32_000 };

/**
 * `count` consecutive free ports for a listener that must keep its ports for a long time or across
 * restarts (a test's own Kafka broker and its controller). An ephemeral port that is free now can be
 * taken by any outgoing connection before a slow start binds it (measured: a broker's controller port
 * lost that way during a full suite run), so these come from below the ephemeral range.
 */
export async function stablePortRange(count: number): Promise<number> {
  for (let attempt = 0; attempt < 100; attempt++) {
    const first = STABLE_PORTS.from + Math.floor(Math.random() * (STABLE_PORTS.to - STABLE_PORTS.from - count));
    const free = await Promise.all(
      Array.from({ length: count }, (_, i) =>
        freePort(first + i).then(
          () => true,
          () => false,
        ),
      ),
    );
    if (free.every(Boolean)) return first;
  }
  throw new Error(`no ${count} consecutive free ports found between ${STABLE_PORTS.from} and ${STABLE_PORTS.to}`);
}
