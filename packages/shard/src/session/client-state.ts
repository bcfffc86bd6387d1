import type { ChannelGrants } from '@odin-ws/auth';
import type { ClientRequest } from '@odin-ws/protocol';
import type { ChannelForm } from '../delivery/index.js';
import type { WebSocket } from '../platform/index.js';

/**
 * Per-connection state, stored as the uWS socket's user data. Kept to a few scalar fields and
 * one Set: this object exists once per client, tens of thousands of times per process.
 */
export interface ClientState {
  channels: Set<string>;
  /** The channels held in a form other than plain, on that form's topic (form-topics.ts in delivery/); created with the first, most connections have none. */
  channelForms: Map<string, ChannelForm> | undefined;
  /** Token bucket of the per-client message rate limit. */
  tokens: number;
  tokensAt: number;
  /** Last time this client was told it is rate limited: one notice per second at most. */
  rateLimitNoticeAt: number;
  /** Set when the server closes the socket, so the close handler counts the right reason. */
  closeReason: string | undefined;
  /** What the connection's token grants; undefined without authentication (every channel). */
  grants: ChannelGrants | undefined;
  /** When the token expires (ms since the epoch); Infinity without authentication. */
  expiresAt: number;
  /** Replay bytes this connection may still be sent now (a bucket refilled at --max-replay-bytes per second). */
  replayBytes: number;
  replayBytesAt: number;
  /**
   * A refused handshake completed only to carry its refusal as a close frame (client-refusal.ts in
   * @odin-ws/protocol): closed at once on open, never counted as a connection.
   */
  refusal: { code: number; reason: string } | undefined;
  /**
   * The token's `sub` (undefined without authentication or without a `sub`): a refresh must keep it,
   * and an admitted connection holds a --max-connections-per-user place for it until it closes.
   */
  subject: string | undefined;
  /** Requests that came while a resume of this connection waits (ahead-positions.ts); undefined when none waits. */
  queued: QueuedRequest[] | undefined;
}

export type ClientSocket = WebSocket<ClientState>;

/** A decoded request and the bytes its frame had, as it waits behind a resume. */
export interface QueuedRequest {
  request: ClientRequest;
  bytes: number;
}

export function newClientState(burst: number, now: number): ClientState {
  return {
    channels: new Set(),
    channelForms: undefined,
    tokens: burst,
    tokensAt: now,
    rateLimitNoticeAt: 0,
    closeReason: undefined,
    grants: undefined,
    expiresAt: Number.POSITIVE_INFINITY,
    replayBytes: Number.POSITIVE_INFINITY,
    replayBytesAt: now,
    refusal: undefined,
    subject: undefined,
    queued: undefined,
  };
}

/**
 * Token bucket: `ratePerSecond` refill, `2 × ratePerSecond` burst. Takes `count` tokens (a message,
 * or what a costly request counts as); returns false, taking none, when there are not that many.
 * Inline arithmetic on the state object, no timers and no allocation.
 */
export function takeMessageTokens(state: ClientState, ratePerSecond: number, now: number, count = 1): boolean {
  const burst = ratePerSecond * 2;
  state.tokens = Math.min(burst, state.tokens + ((now - state.tokensAt) * ratePerSecond) / 1000);
  state.tokensAt = now;
  if (state.tokens < count) return false;
  state.tokens -= count;
  return true;
}

/**
 * The replay bytes a connection may be sent now: a bucket of `perSecond` bytes (full at first),
 * refilled at that rate. Inline arithmetic, like the message bucket above.
 */
export function replayBudget(state: ClientState, perSecond: number, now: number): number {
  state.replayBytes = Math.min(perSecond, state.replayBytes + ((now - state.replayBytesAt) * perSecond) / 1000);
  state.replayBytesAt = now;
  return state.replayBytes;
}

export function takeReplayBytes(state: ClientState, bytes: number): void {
  state.replayBytes -= bytes;
}
