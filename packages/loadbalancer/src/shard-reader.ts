import type { OnReadOpts } from 'node:net';

/** Big enough for a replay burst in one read. */
const SLAB_BYTES = 64 * 1024;

/**
 * The memory every shard socket of this process reads into. One for all of them: a read is handed
 * to its sink and dealt with before the next read of any socket starts (the event loop runs one
 * callback at a time), so one slab serves thousands of connections. A slab per connection would
 * cost 64 KB each, idle or not.
 */
let slab = Buffer.allocUnsafe(SLAB_BYTES);

/**
 * Reads a shard socket without the stream machinery (net.Socket `onread`): libuv reads into the
 * shared slab and hands each chunk straight to `sink`, with no Buffer allocated, no Readable buffer
 * and no 'data' event per read. Almost every byte through the load balancer comes this way (shard
 * to client), so this is its hot path (docs/performance.md).
 *
 * Hazard: the next read of any shard socket overwrites the slab. A sink that keeps a chunk (a
 * Buffer.concat, a write the kernel did not take whole) must copy it, or call `retire()` so that
 * reads go to new memory and the kept bytes stay intact.
 */
export class ShardReader {
  /** Gets every chunk read; returning false pauses the socket (resume() it to read again). */
  sink: (chunk: Buffer) => boolean = () => true;

  readonly onread: OnReadOpts = {
    buffer: () => slab,
    callback: (bytes: number, buffer: Uint8Array) => this.sink((buffer as Buffer).subarray(0, bytes)),
  };

  /** The last chunk stays referenced (queued in a write): later reads, of every socket, go to new memory. */
  retire(): void {
    slab = Buffer.allocUnsafe(SLAB_BYTES);
  }
}
