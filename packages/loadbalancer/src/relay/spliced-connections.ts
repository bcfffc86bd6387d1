import type { Socket } from 'node:net';
import type { Splice } from './splice.js';

/** The client connections a worker has spliced to shards: counted for metrics, closed and awaited on drain. */
export class SplicedConnections {
  private readonly connections = new Map<Socket, Splice>();
  private readonly emptyWaiters: Array<() => void> = [];

  get size(): number {
    return this.connections.size;
  }

  add(client: Socket, connection: Splice): void {
    this.connections.set(client, connection);
  }

  delete(client: Socket): void {
    this.connections.delete(client);
    if (this.connections.size === 0) for (const resolve of this.emptyWaiters.splice(0)) resolve();
  }

  /** Ends every connection with a WebSocket close; `reason` is asked once per connection. */
  closeAll(code: number, reason: () => string): void {
    for (const connection of this.connections.values()) connection.closeWith(code, reason());
  }

  /** Resolves once no connection is left (at once if there is none). */
  whenEmpty(): Promise<void> {
    if (this.connections.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.emptyWaiters.push(resolve));
  }
}
