import type { Socket } from 'node:net';
import { getSystemErrorName } from 'node:util';
import { OdinError } from '@odin-ws/errors';

/**
 * What `socket.write()` ends in, without the Writable stream machinery in front of it: the libuv
 * stream handle's `writeBuffer`, with a write request object. On the hot path (a shard's frame to
 * its client, once per frame per client) the machinery cost more user-space CPU than the rest of
 * the relay: measured in docs/performance.md.
 *
 * Hazard: this is Node's internal API (reached through `process.binding`, deprecated as DEP0111
 * but present in Node 24). Everything is feature-tested at load; without it every write
 * answers 'unavailable' and the caller uses `socket.write()`, the public path.
 */
interface StreamBinding {
  WriteWrap: new () => WriteRequest;
  /** Set by every write: whether it went asynchronous (the kernel did not take it whole). */
  streamBaseState: Int32Array;
  kLastWriteWasAsync: number;
}

interface WriteRequest {
  /** Called by the handle when an asynchronous write finished (or was cancelled by a close). */
  oncomplete?: () => void;
  /**
   * The chunk of an asynchronous write. libuv points into its memory until the write completes,
   * and nothing else may be left referencing it: garbage collected, the memory would be reused
   * and the client sent whatever lands there (what Node's own write path does, stream_base_commons).
   */
  chunk?: Uint8Array;
}

interface StreamHandle {
  /** 0, or a negative libuv error code (the write failed at once, e.g. EPIPE). */
  writeBuffer(request: WriteRequest, data: Uint8Array): number;
  /** Bytes libuv still holds for this handle, from earlier writes the kernel did not take yet. */
  readonly writeQueueSize: number;
}

/**
 * 'written': the kernel took every byte.
 * 'queued': the kernel took part; libuv holds the rest (a copy) and sends it in order.
 * 'failed': the kernel refused the write (e.g. EPIPE): the socket is destroyed with the error.
 * 'unavailable': nothing was written (no internal API, or the socket has bytes waiting ahead of
 * this chunk): use `socket.write()`.
 */
export type HandleWriteOutcome = 'written' | 'queued' | 'failed' | 'unavailable';

const binding = loadStreamBinding();
/** One request object serves every write that completes at once; one that goes async keeps it. */
let request = binding ? newRequest(binding) : undefined;

const ARENA_BYTES = 64 * 1024;
/**
 * Where chunks are copied to be written. A write the kernel takes whole frees its bytes at once, so
 * the next chunk goes to the same place; one it takes in part pins them (libuv points there until
 * it completes) and the next chunk goes after them, or to a new arena once this one is full. The
 * old arena lives on through the pending requests that reference it.
 */
let arena = Buffer.allocUnsafe(ARENA_BYTES);
let arenaPinned = 0;
/** The last view written, reused while chunks of one length follow one another (a fan-out). */
let lastView = arena.subarray(0, 0);
/** Sockets with a write of this path the kernel had not taken whole, possibly still queued in libuv. */
const queuedOn = new WeakSet<Socket>();

function copyToArena(chunk: Uint8Array): Buffer {
  if (arenaPinned + chunk.length > ARENA_BYTES) {
    arena = Buffer.allocUnsafe(Math.max(ARENA_BYTES, chunk.length));
    arenaPinned = 0;
  }
  if (lastView.buffer !== arena.buffer || lastView.byteOffset !== arena.byteOffset + arenaPinned || lastView.length !== chunk.length) {
    lastView = arena.subarray(arenaPinned, arenaPinned + chunk.length);
  }
  lastView.set(chunk);
  return lastView;
}

/**
 * Writes a copy of `chunk` straight to the socket's handle when nothing is waiting ahead of it
 * (neither in the Writable buffer nor in libuv's queue), so bytes stay in order with
 * `socket.write()`, which ends in the same libuv queue. `chunk` itself is never kept.
 */
export function writeToHandle(socket: Socket, chunk: Uint8Array): HandleWriteOutcome {
  const handle = (socket as unknown as { _handle: StreamHandle | null })._handle;
  if (!binding || !request || handle === null || socket.writableLength > 0) return 'unavailable';
  // Asking the handle crosses into C++ (it showed in profiles): only sockets this path queued on can
  // have bytes there that the Writable does not count.
  if (queuedOn.has(socket)) {
    if (handle.writeQueueSize > 0) return 'unavailable';
    queuedOn.delete(socket);
  }
  const copy = copyToArena(chunk);
  const status = handle.writeBuffer(request, copy);
  if (status !== 0) {
    const code = getSystemErrorName(status);
    socket.destroy(new OdinError('E_SOCKET_WRITE_FAILED', `socket write failed: ${code}`, { code, status }));
    return 'failed';
  }
  if (binding.streamBaseState[binding.kLastWriteWasAsync] === 0) return 'written';
  request.chunk = copy;
  request = newRequest(binding); // the handle keeps that one, and through it the copy, until it completes
  queuedOn.add(socket);
  arenaPinned += copy.length;
  return 'queued';
}

/**
 * Bytes written to `socket` that the kernel has not taken yet: what its Writable holds plus what
 * libuv holds (the handle's queue, which this path fills and the Writable does not count).
 */
export function unsentBytes(socket: Socket): number {
  const handle = (socket as unknown as { _handle: StreamHandle | null })._handle;
  return socket.writableLength + (handle?.writeQueueSize ?? 0);
}

function newRequest(stream: StreamBinding): WriteRequest {
  const created = new stream.WriteWrap();
  // Nothing to do on completion: later writes see the queue through writeQueueSize.
  created.oncomplete = () => undefined;
  return created;
}

function loadStreamBinding(): StreamBinding | undefined {
  try {
    const candidate = (process as unknown as { binding(name: string): Partial<StreamBinding> }).binding('stream_wrap');
    const usable =
      typeof candidate.WriteWrap === 'function' && candidate.streamBaseState instanceof Int32Array && typeof candidate.kLastWriteWasAsync === 'number';
    return usable ? (candidate as StreamBinding) : undefined;
  } catch {
    return undefined;
  }
}
