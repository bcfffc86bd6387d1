import type { ProtocolErrorCode } from './error-codes.js';
import type { ChannelRecovery } from './recovery.js';
import { type RequestId, withId } from './request-id.js';

/**
 * Control messages the server sends. Field names follow the seed system's clients
 * (`subscription_ack`, `unsubscription_ack`, `pong`), so they keep working unchanged.
 */
/**
 * `recovery` is present only when the request carried positions (`since`): one entry per such
 * channel. The replayed envelopes follow the ack, then live ones, with no gap and no duplicate.
 */
export interface SubscriptionAck {
  subscribed: string[];
  count: number;
  id?: RequestId | undefined;
  /** Per channel resumed with `since`: whether its missed records follow. */
  recovery?: Record<string, ChannelRecovery> | undefined;
  /** With `snapshot: true`: the state channels whose latest envelope follows, marked `"snapshot":true`. */
  snapshots?: string[] | undefined;
  /** With `delta`: the channels whose records come as deltas in that format (state channels, not rate variants). */
  deltas?: string[] | undefined;
  /** With `compress: "deflate"`: the channels whose records come as deflate frames (not rate variants, not those with deltas). */
  compressed?: string[] | undefined;
  /** Maintained books among the new channels that are stale (a gap in prevSeq): they send nothing until their next snapshot. */
  stale?: string[] | undefined;
}

export function encodeSubscriptionAck(ack: SubscriptionAck): string {
  const { subscribed, count, id, recovery, snapshots, deltas, compressed, stale } = ack;
  return JSON.stringify({
    type: 'subscription_ack',
    subscribed,
    count,
    ...(recovery ? { recovery } : {}),
    ...(snapshots ? { snapshots } : {}),
    ...(deltas ? { deltas } : {}),
    ...(compressed ? { compressed } : {}),
    ...(stale && stale.length > 0 ? { stale } : {}),
    ...withId(id),
  });
}

export function encodeUnsubscriptionAck(unsubscribed: string[], count: number, id?: RequestId): string {
  return JSON.stringify({ type: 'unsubscription_ack', unsubscribed, count, ...withId(id) });
}

export function encodePong(nowMs: number, id?: RequestId): string {
  return JSON.stringify({ type: 'pong', ts: nowMs, ...withId(id) });
}

export function encodeError(error: { code: ProtocolErrorCode; message: string; value?: string; id?: RequestId }): string {
  const { code, message, value, id } = error;
  return JSON.stringify({ type: 'error', code, message, ...(value === undefined ? {} : { value }), ...withId(id) });
}

/** Sent once, `refreshWindow` before the connection's token expires: answer with `refresh`. */
export function encodeTokenExpiring(expiresAt: number): string {
  return JSON.stringify({ type: 'token_expiring', expiresAt });
}

/** A refresh accepted: the new expiry, and the channels the new token no longer grants (now unsubscribed). */
export function encodeRefreshAck(expiresAt: number, revoked: string[], id?: RequestId): string {
  return JSON.stringify({ type: 'refresh_ack', expiresAt, revoked, ...withId(id) });
}

/** The answer to the seed's `reconnect` (one offset per topic): resuming is done with `since` (docs/protocol.md, Recovery). */
export function encodeReconnectError(message: string, id?: RequestId): string {
  return JSON.stringify({ type: 'reconnect_error', message, ...withId(id) });
}
