import { createServer } from 'node:net';

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
