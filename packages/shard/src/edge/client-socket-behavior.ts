import type { ConnectionCap } from '@odin-ws/auth';
import type { PermessageDeflateMode, ShardConfig } from '@odin-ws/config';
import type { Uws, WebSocket } from '../platform/index.js';
import type { ClientMessageHandler, ClientState, ConnectionSet, SlowClientGuard, SubscriptionIndex } from '../session/index.js';
import type { ShardMetrics } from '../shard-metrics.js';
import type { createUpgradeHandler } from './handshake.js';

/**
 * The permessage-deflate uWS negotiates with clients that offer it. Client requests are small and
 * rare, so they are inflated by the shared decompressor (no window kept per connection) in every mode.
 * uWS inflates under maxPayloadLength, so a compressed bomb is cut like an oversized frame.
 */
function compressionOf(uws: Uws, mode: PermessageDeflateMode): number {
  if (mode === 'off') return uws.DISABLED;
  return (mode === 'shared' ? uws.SHARED_COMPRESSOR : uws.DEDICATED_COMPRESSOR_4KB) | uws.SHARED_DECOMPRESSOR;
}

/** uWS's own frame limit, as a multiple of --max-message-size (see maxPayloadLength below). */
const UWS_PAYLOAD_HARD_CAP_FACTOR = 4;

export interface ClientSocketParts {
  uws: Uws;
  config: ShardConfig;
  metrics: ShardMetrics;
  messageHandler: ClientMessageHandler;
  upgrade: ReturnType<typeof createUpgradeHandler>;
  connections: ConnectionSet;
  subscriptions: SubscriptionIndex;
  slowClients: SlowClientGuard;
  connectionsPerUser: ConnectionCap;
}

/**
 * A client socket's life on the WebSocket path, as uWS options and callbacks: its limits, its
 * handshake (handshake.ts), its frames (ClientMessageHandler), and what its close releases.
 */
export function clientSocketBehavior(parts: ClientSocketParts) {
  const { uws, config, metrics, messageHandler, connections, subscriptions, slowClients, connectionsPerUser } = parts;
  return {
    compression: compressionOf(uws, config.permessageDeflate),
    // uWS drops a frame over its own limit with no close frame (the client sees only 1006), so
    // ClientMessageHandler enforces maxMessageSize with a proper 1009 and uWS holds a 4x hard cap.
    maxPayloadLength: config.maxMessageSize * UWS_PAYLOAD_HARD_CAP_FACTOR,
    idleTimeout: config.heartbeatIntervalS,
    sendPingsAutomatically: true,
    // No uWS backpressure cap: past it uWS silently skips messages and drops even the close frame
    // (the client sees a bare 1006). The slow-client sweeper enforces backpressureLimit instead.
    maxBackpressure: 0,
    upgrade: parts.upgrade,
    open: (ws: WebSocket<ClientState>) => {
      const { refusal } = ws.getUserData();
      if (refusal) {
        ws.end(refusal.code, refusal.reason);
        return;
      }
      connections.add(ws);
      metrics.connectionsTotal.inc();
    },
    message: (ws: WebSocket<ClientState>, message: ArrayBuffer, isBinary: boolean) => {
      // A refused client's frames (sent before it read the close frame) are not read.
      if (!ws.getUserData().refusal) messageHandler.onMessage(ws, message, isBinary);
    },
    close: (ws: WebSocket<ClientState>, code: number, message: ArrayBuffer) => {
      const state = ws.getUserData();
      if (state.refusal) return;
      if (state.subject !== undefined) connectionsPerUser.release(state.subject);
      connections.delete(ws);
      slowClients.forget(ws);
      subscriptions.release(state);
      metrics.disconnects.inc({ reason: state.closeReason ?? closeCodeLabel(code, message) });
    },
  };
}

/**
 * Bounded label values: a client chooses its own close code, so unknown ones fold into "other".
 * uWS reports its own forced closes as 1006 with a reason only the server sees; those are told apart here.
 */
export function closeCodeLabel(code: number, message: ArrayBuffer): string {
  switch (code) {
    case 1000:
    case 1001:
    case 1005:
      return 'client_closed';
    case 1006: {
      const reason = Buffer.from(message).toString();
      if (reason.includes('UTF-8')) return 'invalid_utf8';
      if (reason.includes('too big')) return 'message_too_big';
      return 'abnormal'; // dropped connections, heartbeat timeouts, the backpressure hard cap
    }
    default:
      return 'other';
  }
}
