import { setTimeout as sleep } from 'node:timers/promises';
import { CloseCode, drainReconnectMs, formatCloseReason } from '@odin-ws/protocol';
import type { ConnectionSet } from './connections.js';

const BATCH_INTERVAL_MS = 50;

/**
 * Closes every client with 1012 (Service Restart) in paced batches spread over `windowMs`, so the
 * fleet behind the LB sees a ramp of reconnections instead of a stampede; each client is also told
 * a random retry delay (RetryHints.drainReconnect). Resolves when all are closed.
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
      ws.end(CloseCode.SERVICE_RESTART, formatCloseReason({ code: 'DRAINING', retryMs: drainReconnectMs() }));
    }
    if (start + batchSize < sockets.length) await sleep(BATCH_INTERVAL_MS);
  }
  return sockets.length;
}
