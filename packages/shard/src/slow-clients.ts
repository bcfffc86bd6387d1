import { CloseCode, formatCloseReason } from '@odin-ws/protocol';
import type { ConnectionSet } from './connections.js';

/** How often send buffers are checked; a slow client can overshoot the limit for at most this long. */
export const SLOW_CLIENT_CHECK_MS = 200;
const SLOW_CONSUMER_REASON = formatCloseReason({ code: 'SLOW_CONSUMER', retryMs: 1000 });

/**
 * Cuts off clients whose send buffer passed the backpressure limit, with close code 1008 and a
 * SLOW_CONSUMER reason, so one slow reader can neither grow memory without bound nor be silently
 * skipped by uWS (which would leave an undetectable gap in its stream).
 *
 * Why a sweep: uWS' own closeOnBackpressureLimit closes without a close frame, so the client could
 * not tell "too slow" from a crash. Reading getBufferedAmount() is a native field read; visiting
 * 10,000 sockets five times a second costs well under a millisecond per second.
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
