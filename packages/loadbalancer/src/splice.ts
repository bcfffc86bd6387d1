import type { Socket } from 'node:net';
import { ClientFrameBoundaries, maskedCloseFrame } from './client-frames.js';
import { closeFrame } from './close-frame.js';
import { writeToHandle } from './handle-write.js';
import type { ShardReader } from './shard-reader.js';
import type { UpstreamConnection } from './upstream-handshake.js';

export interface Splice {
  /**
   * Ends the connection with a WebSocket close (e.g. 1012 on drain) without parsing the shard's
   * stream: a close frame goes to the shard as if from the client, between two client frames; the
   * shard answers with an empty close frame as its last bytes before FIN, and that frame is swapped
   * for one carrying `code` and `reason`. Cut outright if the shard does not finish in time.
   */
  closeWith(code: number, reason: string): void;
}

const CLOSE_HANDSHAKE_TIMEOUT_MS = 2000;
/** What uWS sends in answer to a client's close frame (measured): FIN + close opcode, no payload. */
const EMPTY_CLOSE_FRAME = Buffer.from([0x88, 0x00]);

/**
 * Joins the client and shard TCP streams once the shard said 101. From here the load balancer
 * never parses a message: bytes are copied both ways with backpressure, one read and one write per
 * chunk: shard to client through the shard's reader (no stream machinery: the hot path), client to
 * shard from 'data' events (a few small requests, and pongs), both straight to the other socket's
 * handle when nothing waits ahead (handle-write.ts). Only the client's frame headers are followed
 * (ClientFrameBoundaries), for closeWith. Either side closing or failing ends both.
 */
export function splice(
  client: Socket,
  clientHead: Buffer,
  upstream: UpstreamConnection,
  onClose: () => void,
  onProtocolError: (reason: 'unmasked') => void,
): Splice {
  const { socket: shard, reader } = upstream;
  client.setNoDelay(true);
  shard.setNoDelay(true);
  const boundaries = new ClientFrameBoundaries();
  // Hazard: without error handlers a reset on either socket would throw and crash the worker.
  let closed = false;
  const closeBoth = () => {
    if (closed) return;
    closed = true;
    client.destroy();
    shard.destroy();
    onClose();
  };
  const track = (chunk: Buffer) => {
    boundaries.feed(chunk);
    if (boundaries.unmasked && !closed) {
      // Cut, like uWS cuts other framing errors: a close frame could land inside a shard frame.
      onProtocolError('unmasked');
      closeBoth();
    }
  };
  const resumeClient = () => client.resume();
  // Client to shard: subscriptions and pongs (every client answers the shard's heartbeat pings).
  const relayToShard = (chunk: Buffer) => {
    track(chunk);
    if (closed) return;
    const direct = writeToHandle(shard, chunk);
    if (direct !== 'unavailable' || shard.write(chunk)) return;
    client.pause();
    shard.once('drain', resumeClient);
  };
  client.on('error', closeBoth);
  shard.on('error', closeBoth);
  client.on('close', closeBoth);
  shard.on('close', closeBoth);
  client.write(upstream.response);
  if (clientHead.length > 0) relayToShard(clientHead);
  client.on('data', relayToShard);
  relayToClient(shard, reader, client);
  // A half-close is passed on both ways, so a clean WebSocket close handshake (close frame, close
  // frame, FIN) completes end to end.
  const endShard = () => shard.end();
  client.once('end', endShard);
  const endClient = () => client.end();
  shard.once('end', endClient);
  shard.resume(); // the handshake paused it at the 101

  return {
    closeWith(code, reason) {
      if (closed) return;
      shard.off('end', endClient);
      relayShardTailReplacingClose(shard, reader, client, closeFrame(code, reason));
      client.off('data', relayToShard);
      client.off('end', endShard);
      shard.off('drain', resumeClient);
      const inject = () => {
        shard.write(maskedCloseFrame(code, reason));
        setTimeout(closeBoth, CLOSE_HANDSHAKE_TIMEOUT_MS).unref();
      };
      // Mid-frame, the rest of that frame is forwarded first; client bytes after the close are moot
      // but still read, so the client's own close reply and FIN are seen.
      let injected = boundaries.atBoundary;
      if (injected) inject();
      client.on('data', (chunk: Buffer) => {
        if (injected) return;
        shard.write(chunk.subarray(0, boundaries.feed(chunk)));
        if (boundaries.atBoundary) {
          injected = true;
          inject();
        }
      });
      client.resume(); // in case the shard's backlog had paused it
    },
  };
}

/**
 * Shard to client: each chunk read is written at once, straight to the client's handle, or behind
 * bytes still waiting through `client.write()` and its backpressure. The chunk lives in the
 * reader's slab, which the next read overwrites: whatever waits is a copy. A client that does not
 * keep up pauses reading from its shard until it drains (the shard's own slow-client policy then
 * sees the backlog).
 */
function relayToClient(shard: Socket, reader: ShardReader, client: Socket): void {
  const resume = () => shard.resume();
  reader.sink = (chunk) => {
    // The common case, a client that keeps up: straight to its socket's handle (handle-write.ts).
    const direct = writeToHandle(client, chunk);
    if (direct === 'written' || direct === 'queued') return true;
    if (direct === 'failed') return false;
    // Behind bytes still waiting: the chunk is in the reader's slab, which the Writable would keep.
    if (client.write(Buffer.from(chunk))) return true;
    client.once('drain', resume);
    return false;
  };
}

/**
 * From now on shard bytes are relayed holding back the last two: when the shard ends its stream,
 * those are its close frame, replaced by ours; then the client side is ended gracefully (not
 * destroyed, which would drop the unsent close frame). Rare (a drain), so it copies freely.
 */
function relayShardTailReplacingClose(shard: Socket, reader: ShardReader, client: Socket, replacement: Buffer): void {
  shard.removeAllListeners('close');
  shard.on('close', () => undefined);
  let held = Buffer.alloc(0);
  reader.sink = (chunk) => {
    const all = Buffer.concat([held, chunk]);
    const keep = Math.min(EMPTY_CLOSE_FRAME.length, all.length);
    client.write(all.subarray(0, all.length - keep));
    held = all.subarray(all.length - keep);
    return true;
  };
  shard.once('end', () => client.end(held.equals(EMPTY_CLOSE_FRAME) ? replacement : held));
  shard.resume(); // in case the client's backlog had paused it
}
