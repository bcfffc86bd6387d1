import cluster, { type Worker } from 'node:cluster';
import { ConnectionCap } from '@odin-ws/auth';

/**
 * How many connections each user (a token's `sub`) holds through this load balancer, over all its
 * worker processes: --max-connections-per-user is a bound per user, and the kernel spreads one
 * user's connections over the workers at random, so a per-worker share would either refuse a user
 * under the cap or let one hold cap × workers. The count lives in the cluster primary; a worker asks
 * it for a place per handshake (one IPC round trip, only for authenticated handshakes with the cap
 * on) and gives it back when the connection ends.
 */
export interface UserConnections {
  /** Takes a place for `subject`; false when it holds the cap already (nothing is taken then). */
  take(subject: string): Promise<boolean>;
  release(subject: string): void;
}

const TAKE = 'odin-ws:user-take';
const TAKEN = 'odin-ws:user-taken';
const RELEASE = 'odin-ws:user-release';
/**
 * A primary that does not answer in this long is stuck: the handshake is refused (1013), never let
 * past the cap, and a late yes is given back.
 */
const TAKE_TIMEOUT_MS = 2000;

interface LedgerMessage {
  type: string;
  id?: number;
  subject?: string;
  ok?: boolean;
}

/** One process's own count: a load balancer of one process, or one started without the cluster (tests). */
export function localUserConnections(cap: number): UserConnections {
  const places = new ConnectionCap(cap);
  return { take: async (subject) => places.take(subject), release: (subject) => places.release(subject) };
}

/** A worker's view: each place taken and given back through the primary (serveUserConnections). */
export function clusterUserConnections(): UserConnections {
  let nextId = 0;
  const pending = new Map<number, (ok: boolean) => void>();
  const abandoned = new Set<number>();
  process.on('message', (message: LedgerMessage) => {
    if (message?.type !== TAKEN || message.id === undefined) return;
    const resolve = pending.get(message.id);
    pending.delete(message.id);
    if (resolve) resolve(message.ok === true);
    else if (abandoned.delete(message.id) && message.ok && message.subject !== undefined) process.send?.({ type: RELEASE, subject: message.subject });
  });
  return {
    take: (subject) =>
      new Promise((resolve) => {
        const id = ++nextId;
        const timer = setTimeout(() => {
          pending.delete(id);
          abandoned.add(id);
          resolve(false);
        }, TAKE_TIMEOUT_MS);
        timer.unref();
        pending.set(id, (ok) => {
          clearTimeout(timer);
          resolve(ok);
        });
        process.send?.({ type: TAKE, id, subject });
      }),
    release: (subject) => {
      process.send?.({ type: RELEASE, subject });
    },
  };
}

/**
 * The primary's side: the one count per user, and what each worker holds of it, so a worker that
 * dies gives back every place its connections held (they died with it).
 */
export function serveUserConnections(cap: number): void {
  const places = new ConnectionCap(cap);
  const heldByWorker = new Map<number, Map<string, number>>();
  const hold = (worker: Worker, subject: string, change: 1 | -1) => {
    const held = heldByWorker.get(worker.id) ?? new Map<string, number>();
    const count = (held.get(subject) ?? 0) + change;
    if (count > 0) held.set(subject, count);
    else held.delete(subject);
    heldByWorker.set(worker.id, held);
  };
  cluster.on('message', (worker, message: LedgerMessage) => {
    if (typeof message?.subject !== 'string') return;
    if (message.type === TAKE) {
      const ok = places.take(message.subject);
      if (ok) hold(worker, message.subject, 1);
      worker.send({ type: TAKEN, id: message.id, subject: message.subject, ok });
    } else if (message.type === RELEASE && (heldByWorker.get(worker.id)?.get(message.subject) ?? 0) > 0) {
      places.release(message.subject);
      hold(worker, message.subject, -1);
    }
  });
  cluster.on('exit', (worker) => {
    for (const [subject, count] of heldByWorker.get(worker.id) ?? []) for (let i = 0; i < count; i++) places.release(subject);
    heldByWorker.delete(worker.id);
  });
}
