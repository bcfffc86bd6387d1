import { CloseCode, formatCloseReason, RetryHints } from '@odin-ws/protocol';
import type { ClientSocket } from './client-state.js';
import type { ConnectionSet } from './connections.js';

/** How often send buffers are checked; a slow client can overshoot the limit for at most this long. */
const SLOW_CLIENT_CHECK_MS = 100;
const SLOW_CONSUMER_REASON = formatCloseReason({ code: 'SLOW_CONSUMER', retryMs: RetryHints.slowConsumerMs });

/**
 * Cuts off clients whose send buffer passed the backpressure limit, with close code 1008 and a
 * SLOW_CONSUMER reason, so one slow reader can neither grow memory without bound nor miss messages
 * without knowing: everything queued before the cut-off is still delivered, then the close frame.
 *
 * Why a sweep and not uWS' maxBackpressure: past that cap uWS skips messages silently and drops the
 * close frame too (measured: the client sees a bare 1006), so the client could not tell "too slow"
 * from a crash, nor know it has a gap. Memory past the limit is bounded by what arrives in one
 * check interval. getBufferedAmount() is a native field read: 10,000 sockets ten times a second
 * cost about a millisecond per second.
 */
export class SlowClientGuard {
  /** Clients that just got a history replay may hold it on top of the limit, until they are back under. */
  private readonly allowances = new Map<ClientSocket, number>();
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly connections: ConnectionSet,
    private readonly limitBytes: number,
    private readonly onCutOff: () => void,
  ) {
    this.timer = setInterval(() => this.sweep(), SLOW_CLIENT_CHECK_MS);
    this.timer.unref();
  }

  /**
   * A replay of `bytes` was just queued for this client: it must not be mistaken for slowness. Added
   * to what earlier replays still hold (their sum is bounded where replays are planned, at once).
   */
  allowReplay(ws: ClientSocket, bytes: number): void {
    this.allowances.set(ws, (this.allowances.get(ws) ?? 0) + bytes);
  }

  forget(ws: ClientSocket): void {
    this.allowances.delete(ws);
  }

  stop(): void {
    clearInterval(this.timer);
  }

  private sweep(): void {
    for (const ws of this.allowances.keys()) if (ws.getBufferedAmount() <= this.limitBytes) this.allowances.delete(ws);
    for (const ws of this.connections) {
      const buffered = ws.getBufferedAmount();
      if (buffered > this.limitBytes && buffered > this.limitBytes + (this.allowances.get(ws) ?? 0)) {
        ws.getUserData().closeReason = 'slow_consumer';
        this.onCutOff();
        // end() calls the close handler synchronously, which deletes from the set: safe while
        // iterating a Set (deleted entries not yet visited are skipped, others are unaffected).
        ws.end(CloseCode.SLOW_CONSUMER, SLOW_CONSUMER_REASON);
      }
    }
  }
}
