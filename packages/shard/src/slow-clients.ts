import { CloseCode, formatCloseReason } from '@odin-ws/protocol';
import type { ConnectionSet } from './connections.js';

/** How often send buffers are checked; a slow client can overshoot the limit for at most this long. */
const SLOW_CLIENT_CHECK_MS = 100;
const SLOW_CONSUMER_REASON = formatCloseReason({ code: 'SLOW_CONSUMER', retryMs: 1000 });

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
export function startSlowClientSweeper(connections: ConnectionSet, limitBytes: number, onCutOff: () => void): () => void {
  const timer = setInterval(() => {
    for (const ws of connections) {
      if (ws.getBufferedAmount() > limitBytes) {
        ws.getUserData().closeReason = 'slow_consumer';
        onCutOff();
        // end() calls the close handler synchronously, which deletes from the set: safe while
        // iterating a Set (deleted entries not yet visited are skipped, others are unaffected).
        ws.end(CloseCode.SLOW_CONSUMER, SLOW_CONSUMER_REASON);
      }
    }
  }, SLOW_CLIENT_CHECK_MS);
  timer.unref();
  return () => clearInterval(timer);
}
