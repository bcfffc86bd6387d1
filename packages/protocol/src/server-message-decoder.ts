import { DATA_MESSAGE_TYPE, type Envelope } from './envelope.js';
import { isCount, isPlainObject, isStringArray, parseJsonObject } from './json-guards.js';
import type { ChannelRecovery } from './recovery.js';
import type { RequestId } from './request-id.js';

/** Every message a server sends, as a client reads it (server-messages.ts and envelope.ts write them). */
export type ServerMessage =
  | Envelope
  | {
      type: 'subscription_ack';
      subscribed: string[];
      count: number;
      recovery?: Record<string, ChannelRecovery>;
      snapshots?: string[];
      deltas?: string[];
      /** Maintained books among the channels that are stale: nothing comes on them until their next snapshot. */
      stale?: string[];
      id?: RequestId;
    }
  | { type: 'unsubscription_ack'; unsubscribed: string[]; count: number; id?: RequestId }
  | { type: 'pong'; ts: number; id?: RequestId }
  | { type: 'error'; code: string; message: string; value?: string; id?: RequestId }
  | { type: 'reconnect_error'; message: string; id?: RequestId }
  | { type: 'token_expiring'; expiresAt: number }
  | { type: 'refresh_ack'; expiresAt: number; revoked: string[]; id?: RequestId };

/**
 * Reads one server text frame; undefined for anything that is not a well-formed odin-ws message
 * (a client must not trust that the other end of a socket is what it expects). Fields a message
 * type needs are checked; unknown extra fields are kept, so older clients survive newer servers.
 */
export function decodeServerMessage(text: string): ServerMessage | undefined {
  const message = parseJsonObject(text);
  if (!message) return undefined;
  switch (message['type']) {
    case DATA_MESSAGE_TYPE: {
      const pos = message['pos'];
      const valid =
        typeof message['channel'] === 'string' &&
        isPlainObject(pos) &&
        isCount(pos['partition']) &&
        isCount(pos['offset']) &&
        typeof message['ts'] === 'number' &&
        (message['prev'] === undefined || message['prev'] === null || isCount(message['prev'])) &&
        (message['snapshot'] === undefined || message['snapshot'] === true) &&
        (message['checksum'] === undefined || isCount(message['checksum'])) &&
        (message['delta'] === undefined || isDelta(message['delta']));
      return valid ? (message as unknown as Envelope) : undefined;
    }
    case 'subscription_ack':
      return isStringArray(message['subscribed']) &&
        typeof message['count'] === 'number' &&
        (message['recovery'] === undefined || isPlainObject(message['recovery'])) &&
        (message['snapshots'] === undefined || isStringArray(message['snapshots'])) &&
        (message['stale'] === undefined || isStringArray(message['stale']))
        ? (message as ServerMessage)
        : undefined;
    case 'unsubscription_ack':
      return isStringArray(message['unsubscribed']) && typeof message['count'] === 'number' ? (message as ServerMessage) : undefined;
    case 'pong':
      return typeof message['ts'] === 'number' ? (message as ServerMessage) : undefined;
    case 'error':
      return typeof message['code'] === 'string' && typeof message['message'] === 'string' ? (message as ServerMessage) : undefined;
    case 'reconnect_error':
      return typeof message['message'] === 'string' ? (message as ServerMessage) : undefined;
    case 'token_expiring':
      return typeof message['expiresAt'] === 'number' ? (message as ServerMessage) : undefined;
    case 'refresh_ack':
      return typeof message['expiresAt'] === 'number' && isStringArray(message['revoked']) ? (message as ServerMessage) : undefined;
    default:
      return undefined;
  }
}

function isDelta(value: unknown): boolean {
  return isPlainObject(value) && isCount(value['base']) && typeof value['fossil'] === 'string';
}
