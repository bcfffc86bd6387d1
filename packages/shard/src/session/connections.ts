import type { ClientSocket } from './client-state.js';

/**
 * The open sockets, for the few jobs that must visit every one (slow-client checks, drain).
 * Both run on timers, never per message.
 */
export class ConnectionSet {
  private readonly sockets = new Set<ClientSocket>();
  add(ws: ClientSocket): void {
    this.sockets.add(ws);
  }

  delete(ws: ClientSocket): void {
    this.sockets.delete(ws);
  }

  has(ws: ClientSocket): boolean {
    return this.sockets.has(ws);
  }

  get size(): number {
    return this.sockets.size;
  }

  snapshot(): ClientSocket[] {
    return [...this.sockets];
  }

  [Symbol.iterator](): IterableIterator<ClientSocket> {
    return this.sockets.values();
  }
}
