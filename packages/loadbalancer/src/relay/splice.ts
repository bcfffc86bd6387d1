import type { Socket } from 'node:net';
import { ClientFrameBoundaries, maskedCloseFrame } from './client-frames.js';
import { closeFrame } from './close-frame.js';
import { unsentBytes, writeToHandle } from './handle-write.js';
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

/** What one spliced connection reports to its owner. */
export interface SpliceEvents {
  onClose: () => void;
  onProtocolError: (reason: 'unmasked') => void;
  /** The client took none of what waited for it (its close frame, say) for stalledClientTimeoutMs: cut. */
  onStalledClient: () => void;
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
export function splice(client: Socket, clientHead: Buffer, upstream: UpstreamConnection, events: SpliceEvents, stalledClientTimeoutMs: number): Splice {
  const { onClose, onProtocolError } = events;
  const { socket: shard, reader } = upstream;
  client.setNoDelay(true);
  shard.setNoDelay(true);
  const boundaries = new ClientFrameBoundaries();
  // Hazard: without error handlers a reset on either socket would throw and crash the worker.
  let closed = false;
  let stopWatching: () => void = () => undefined;
  const closeBoth = () => {
    if (closed) return;
    closed = true;
    stopWatching();
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
  // Hazard: a client that stopped reading (the shard then cuts it as a slow consumer) would keep its
  // socket, buffers and descriptor here for good: this relay stops reading its shard while bytes
  // wait for the client, so it does not even see the shard end (its close frame and FIN wait behind
  // the bytes). A client that takes nothing at all of what waits for stalledClientTimeoutMs is cut.
  // One that reads, however slowly, drains now and then and is the shard's to judge (1008).
  const stalled = () => {
    if (closed) return;
    events.onStalledClient();
    closeBoth();
  };
  stopWatching = relayToClient(shard, reader, client, stalledClientTimeoutMs, stalled);
  // A half-close is passed on both ways, so a clean WebSocket close handshake (close frame, close
  // frame, FIN) completes end to end.
  const endShard = () => shard.end();
  client.once('end', endShard);
  // Once the shard has ended, the client gets stalledClientTimeoutMs to take the rest, its close frame.
  const endClient = () => {
    client.end();
    setTimeout(stalled, stalledClientTimeoutMs).unref();
  };
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
 * sees the backlog). One that takes nothing of it for `stallMs` is handed to `onStall`.
 */
function relayToClient(shard: Socket, reader: ShardReader, client: Socket, stallMs: number, onStall: () => void): () => void {
  const watch = new StallWatch(client, stallMs, onStall);
  const resume = () => {
    watch.stop();
    shard.resume();
  };
  reader.sink = (chunk) => {
    // The common case, a client that keeps up: straight to its socket's handle (handle-write.ts).
    const direct = writeToHandle(client, chunk);
    if (direct === 'written' || direct === 'queued') return true;
    if (direct === 'failed') return false;
    // Behind bytes still waiting: the chunk is in the reader's slab, which the Writable would keep.
    if (client.write(Buffer.from(chunk))) return true;
    client.once('drain', resume);
    watch.start();
    return false;
  };
  return () => watch.stop();
}

/** How often a paused relay looks whether its client took anything. */
const STALL_CHECK_MS = 500;

/**
 * Whether a client the relay waits for takes anything at all: its unsent bytes (unsentBytes) must
 * shrink now and then. A client that reads, however slowly, does; one that stopped reading does
 * not, and after `stallMs` of that it is handed to `onStall`. One timer per paused connection.
 */
class StallWatch {
  private timer: NodeJS.Timeout | undefined;
  private unsent = 0;
  private since = 0;

  constructor(
    private readonly client: Socket,
    private readonly stallMs: number,
    private readonly onStall: () => void,
  ) {}

  start(): void {
    if (this.timer) return;
    this.unsent = unsentBytes(this.client);
    this.since = Date.now();
    this.timer = setInterval(() => this.check(), Math.min(STALL_CHECK_MS, this.stallMs)).unref();
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  private check(): void {
    const unsent = unsentBytes(this.client);
    const now = Date.now();
    if (unsent < this.unsent) this.since = now;
    this.unsent = unsent;
    if (now - this.since < this.stallMs) return;
    this.stop();
    this.onStall();
  }
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
