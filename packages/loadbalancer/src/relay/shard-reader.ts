import type { OnReadOpts } from 'node:net';

/** Big enough for a replay burst in one read. */
const SLAB_BYTES = 64 * 1024;

/**
 * The memory every shard socket of this process reads into. One for all of them: a read is handed
 * to its sink and dealt with before the next read of any socket starts (the event loop runs one
 * callback at a time), so one slab serves thousands of connections. A slab per connection would
 * cost 64 KB each, idle or not.
 *
 * Hazard: it can never be swapped for another. Node hands a socket its next read buffer only after
 * its previous read, so every socket keeps reading into the slab it was last given; memory still
 * in use elsewhere (a queued write) would be overwritten by the next read of some other socket.
 */
const slab = Buffer.allocUnsafe(SLAB_BYTES);
/**
 * The last view handed out: a fan-out delivers the same frame, same length, to thousands of shard
 * sockets in a row, and one view serves them all instead of a Buffer object per read.
 */
let lastView = slab.subarray(0, 0);

function viewOfSlab(bytes: number): Buffer {
  if (lastView.length !== bytes) lastView = slab.subarray(0, bytes);
  return lastView;
}

/**
 * Reads a shard socket without the stream machinery (net.Socket `onread`): libuv reads into the
 * shared slab and hands each chunk straight to `sink`, with no Buffer allocated, no Readable buffer
 * and no 'data' event per read (chunks of one length even share a view). Almost every byte through
 * the load balancer comes this way (shard to client), so this is its hot path (docs/performance.md).
 *
 * A chunk is valid only during the sink call: the next read of any shard socket overwrites it. A
 * sink that keeps bytes (a queued write, a Buffer.concat) keeps a copy.
 */
export class ShardReader {
  /** Gets every chunk read; returning false pauses the socket (resume() it to read again). */
  sink: (chunk: Buffer) => boolean = () => true;

  readonly onread: OnReadOpts = {
    buffer: slab,
    callback: (bytes: number) => this.sink(viewOfSlab(bytes)),
  };
}
