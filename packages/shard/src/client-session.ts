import {
  CloseCode,
  ProtocolErrorCode,
  decodeClientMessage,
  encodeError,
  encodePong,
  encodeReconnectError,
  encodeSubscriptionAck,
  encodeUnsubscriptionAck,
  formatCloseReason,
  type ClientRequest,
  type DecodeFailure,
} from '@odin-ws/protocol';
import { takeMessageToken, type ClientSocket } from './client-state.js';
import type { ShardMetrics } from './shard-metrics.js';
import type { SubscriptionIndex } from './subscriptions.js';

const RATE_LIMIT_NOTICE_INTERVAL_MS = 1000;
const MESSAGE_TOO_BIG_REASON = formatCloseReason({ code: 'MESSAGE_TOO_BIG' });

/**
 * Answers one client frame. Every path ends in exactly one reply (an ack, a pong or an error) or,
 * past the rate limit, in silence after one notice per second, so a flood cannot make the server
 * amplify it. Runs inside the uWS message handler, where sends are already corked.
 */
export class ClientSession {
  constructor(
    private readonly subscriptions: SubscriptionIndex,
    private readonly metrics: ShardMetrics,
    private readonly clientRateLimit: number,
    private readonly maxMessageSize: number,
  ) {}

  onMessage(ws: ClientSocket, message: ArrayBuffer, isBinary: boolean): void {
    const state = ws.getUserData();
    if (message.byteLength > this.maxMessageSize) {
      state.closeReason = 'message_too_big';
      this.metrics.badMessages.inc({ reason: 'MESSAGE_TOO_BIG' });
      ws.end(CloseCode.MESSAGE_TOO_BIG, MESSAGE_TOO_BIG_REASON);
      return;
    }
    const now = Date.now();
    if (!takeMessageToken(state, this.clientRateLimit, now)) {
      this.metrics.badMessages.inc({ reason: ProtocolErrorCode.RATE_LIMIT_EXCEEDED });
      if (now - state.rateLimitNoticeAt >= RATE_LIMIT_NOTICE_INTERVAL_MS) {
        state.rateLimitNoticeAt = now;
        ws.send(
          encodeError({ code: ProtocolErrorCode.RATE_LIMIT_EXCEEDED, message: `more than ${this.clientRateLimit} messages per second; excess dropped` }),
        );
      }
      return;
    }
    if (isBinary) {
      this.reject(ws, { code: ProtocolErrorCode.BINARY_NOT_SUPPORTED, message: 'binary frames are not part of the protocol; send JSON text' });
      return;
    }
    const decoded = decodeClientMessage(Buffer.from(message).toString('utf8'));
    if (!decoded.ok) {
      this.reject(ws, decoded.error);
      return;
    }
    this.metrics.clientMessages.inc({ type: decoded.request.type });
    this.dispatch(ws, decoded.request);
  }

  private dispatch(ws: ClientSocket, request: ClientRequest): void {
    switch (request.type) {
      case 'subscribe': {
        const result = this.subscriptions.subscribe(ws, request.channels);
        if (result.ok) ws.send(encodeSubscriptionAck(result.subscribed, result.count, request.id));
        else
          this.reject(ws, {
            code: ProtocolErrorCode.TOO_MANY_CHANNELS,
            message: `subscription limit is ${result.limit} channels per connection; this request would make ${result.requested}`,
            ...(request.id === undefined ? {} : { id: request.id }),
          });
        return;
      }
      case 'unsubscribe': {
        const result = this.subscriptions.unsubscribe(ws, request.channels);
        ws.send(encodeUnsubscriptionAck(result.unsubscribed, result.count, request.id));
        return;
      }
      case 'heartbeat':
      case 'ping':
        ws.send(encodePong(Date.now(), request.id));
        return;
      case 'reconnect':
        ws.send(encodeReconnectError('offset replay is not available on this server; subscribe again to continue live', request.id));
        return;
    }
  }

  private reject(ws: ClientSocket, error: DecodeFailure): void {
    this.metrics.badMessages.inc({ reason: error.code });
    ws.send(encodeError(error));
  }
}
