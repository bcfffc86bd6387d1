import { CloseCode, encodeTokenExpiring, formatCloseReason } from '@odin-ws/protocol';
import type { ClientSocket } from './client-state.js';
import type { ConnectionSet } from './connections.js';

const CHECK_INTERVAL_MS = 1000;
const TOKEN_EXPIRED_REASON = formatCloseReason({ code: 'TOKEN_EXPIRED' });

/**
 * Connections outlive their tokens only by refreshing them. Once a second this looks at every
 * connection with a token: `refreshWindowMs` before expiry it sends `token_expiring` (once per
 * token); at expiry it closes with 4001 TOKEN_EXPIRED. A refresh moves `expiresAt` forward (see
 * ClientMessageHandler), which re-arms the warning. Without authentication nothing is tracked.
 */
export class TokenExpiry {
  private readonly timer: NodeJS.Timeout;
  /** The expiry each connection was last warned about. */
  private readonly warnedFor = new WeakMap<ClientSocket, number>();

  constructor(
    private readonly connections: ConnectionSet,
    private readonly refreshWindowMs: number,
    private readonly onExpired: () => void,
  ) {
    this.timer = setInterval(() => this.sweep(Date.now()), CHECK_INTERVAL_MS);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }

  sweep(now: number): void {
    for (const ws of this.connections) {
      const state = ws.getUserData();
      if (state.expiresAt === Number.POSITIVE_INFINITY) continue;
      if (now >= state.expiresAt) {
        state.closeReason = 'token_expired';
        this.onExpired();
        // end() runs the close handler at once, which deletes from the set being iterated: safe for a Set.
        ws.end(CloseCode.TOKEN_EXPIRED, TOKEN_EXPIRED_REASON);
      } else if (now >= state.expiresAt - this.refreshWindowMs && this.warnedFor.get(ws) !== state.expiresAt) {
        this.warnedFor.set(ws, state.expiresAt);
        ws.send(encodeTokenExpiring(state.expiresAt));
      }
    }
  }
}
