import { CloseCode, formatCloseReason } from '@odin-ws/protocol';
import type { ConnectionSet } from './connections.js';

const BATCH_INTERVAL_MS = 50;
/** Clients are told to come back after 0.5-3 s, spread at random so they do not return together. */
const RETRY_MIN_MS = 500;
const RETRY_SPREAD_MS = 2500;

/**
 * Closes every client with 1012 (Service Restart) in paced batches spread over `windowMs`, so the
 * fleet behind the LB sees a ramp of reconnections instead of a stampede. Resolves when all are closed.
 */
export async function closeClientsPaced(connections: ConnectionSet, windowMs: number): Promise<number> {
  const sockets = connections.snapshot();
  const ticks = Math.max(1, Math.floor(windowMs / BATCH_INTERVAL_MS));
  const batchSize = Math.max(1, Math.ceil(sockets.length / ticks));
  for (let start = 0; start < sockets.length; start += batchSize) {
    for (const ws of sockets.slice(start, start + batchSize)) {
      // Closed on its own since the snapshot: uWS throws on any use of a closed socket.
      if (!connections.has(ws)) continue;
      ws.getUserData().closeReason = 'draining';
      const retryMs = RETRY_MIN_MS + Math.random() * RETRY_SPREAD_MS;
      ws.end(CloseCode.SERVICE_RESTART, formatCloseReason({ code: 'DRAINING', retryMs }));
    }
    if (start + batchSize < sockets.length) await new Promise((resolve) => setTimeout(resolve, BATCH_INTERVAL_MS));
  }
  return sockets.length;
}
