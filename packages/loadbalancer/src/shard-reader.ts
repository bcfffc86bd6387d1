import type { OnReadOpts } from 'node:net';

/** Big enough for a replay burst in one read; one per connection only while its client is backed up. */
const SLAB_BYTES = 64 * 1024;

/**
 * Reads a shard socket without the stream machinery (net.Socket `onread`): libuv reads into a
 * reused slab and hands each chunk straight to `sink`, with no Buffer allocated, no Readable
 * buffer and no 'data' event per read. Almost every byte through the load balancer comes this way
 * (shard to client), so this is its hot path (docs/performance.md).
 *
 * Hazard: the slab is overwritten by the next read. A sink that keeps a chunk (a Buffer.concat,
 * a write the kernel did not take whole) must copy it, or call `retire()` so the next read gets
 * fresh memory and the kept bytes stay intact.
 */
export class ShardReader {
  private slab = Buffer.allocUnsafe(SLAB_BYTES);
  /** Gets every chunk read; returning false pauses the socket (resume() it to read again). */
  sink: (chunk: Buffer) => boolean = () => true;

  readonly onread: OnReadOpts = {
    buffer: () => this.slab,
    callback: (bytes: number, buffer: Uint8Array) => this.sink((buffer as Buffer).subarray(0, bytes)),
  };

  /** The last chunk stays referenced (queued in a write): read the next one into new memory. */
  retire(): void {
    this.slab = Buffer.allocUnsafe(SLAB_BYTES);
  }
}
