// The client's public contract: its options, states and events, and the WebSocket it drives.
import type { ChannelRecovery, StreamPosition } from '@odin-ws/protocol';
import type { ClientError } from './errors.js';
import type { BackoffOptions } from './reconnect-policy.js';

/** The part of the standard WebSocket API the client uses: browsers' and `ws`'s both fit. */
export interface WebSocketLike {
  readonly readyState: number;
  /** How binary messages arrive; the client asks for 'arraybuffer'. */
  binaryType?: string;
  send(data: string): void;
  close(code?: number, reason?: string): void;
  onopen: ((event: unknown) => void) | null;
  onmessage: ((event: { data: unknown }) => void) | null;
  onclose: ((event: { code: number; reason: string }) => void) | null;
  onerror: ((event: unknown) => void) | null;
}

/**
 * A WebSocket constructor: the browser's (url, protocols), or Node's `ws`, which also takes
 * `{ headers }` for the handshake.
 */
export type WebSocketConstructor = new (
  url: string,
  protocols?: string | string[],
  options?: { headers?: Record<string, string>; maxPayload?: number },
) => WebSocketLike;

export interface OdinClientOptions {
  /** The load balancer's (or a shard's) WebSocket URL, e.g. ws://127.0.0.1:3001/ws. */
  url: string;
  /** WebSocket implementation; default: the platform's (browsers), or `ws` on Node. */
  WebSocket?: WebSocketConstructor;
  backoff?: Partial<BackoffOptions>;
  /** How often the client pings the server; default 15 s, as the seed clients did. */
  heartbeatIntervalMs?: number;
  /** A ping unanswered this long means the connection is dead; default 10 s. */
  heartbeatTimeoutMs?: number;
  /** Messages one `for await` loop may leave unread before it fails; default 10,000. */
  iteratorBuffer?: number;
  /**
   * When the server checks tokens: called before every connection, so also before every retry after
   * a refusal, and when the server says the token is about to expire (it is then sent as a
   * `refresh`, and the connection carries on). On Node the token travels in the handshake's
   * `Authorization: Bearer` header; in browsers, which cannot set headers, as the subprotocol
   * `odin.bearer.<token>`; never in the URL, which proxies log. Throw an
   * UnauthorizedError to say the user must sign in again: the client then stops for good.
   */
  getToken?: () => string | Promise<string>;
  /**
   * Node only: headers for every handshake (e.g. a proxy's or an API gateway's). Refused in
   * browsers, whose WebSocket cannot send headers (E_INVALID_OPTION).
   */
  headers?: Record<string, string>;
  /** Refusals of the token in a row (4401/4403) after which the client stops for good; default 3. */
  maxRefusals?: number;
  /**
   * The largest message the client takes, in bytes; default 16 MiB. Bounds what a compressed frame
   * may inflate to and what a delta may rebuild (past it: a `recovery` event DELTA_FAILED and the
   * channel starts again from a plain snapshot), and on Node every frame (`ws`'s maxPayload,
   * permessage-deflate included). A hostile server, or anything on a ws:// path, cannot make one
   * small frame take a tab's memory.
   */
  maxMessageBytes?: number;
  /**
   * Send tokens over ws:// to a host that is not this machine. Off by default: anyone on the path
   * would read the token (E_INSECURE_TRANSPORT at construction); use wss://.
   */
  allowInsecureTransport?: boolean;
}

/**
 * `idle` before connect(); `reconnecting` while waiting out a retry delay; `unauthorized` after the
 * server refused the token (or origin), while a new token is fetched for the next try; `closed` for
 * good (close(), or a refusal that retrying cannot cure). connect() after `closed` starts again.
 */
export type ConnectionState = 'idle' | 'connecting' | 'open' | 'reconnecting' | 'unauthorized' | 'closed';

/**
 * After a reconnect, per channel: whether the stream continues with no gap. Not recovered means the
 * caller must resync that channel by other means. `DELTA_FAILED`: a delta or compressed frame could not be rebuilt and the channel
 * restarts from a full snapshot. `BOOK_RESYNC`: a book kept by client.book() lost continuity (a gap in
 * `prevSeq`, a checksum that does not match, the server's book went stale) and starts again from a snapshot. `NO_POSITION`: the channel had delivered nothing
 * before the cut, so there was no position to resume from.
 */
export type RecoveryEvent = { channel: string } & (
  | ChannelRecovery
  | { recovered: false; reason: 'NO_POSITION' | 'DELTA_FAILED' | 'BOOK_RESYNC' }
  /** An envelope's `prev` showed a record missed: the channel resumes from `resumedFrom`; its ack's recovery follows. */
  | { recovered: false; reason: 'GAP_DETECTED'; resumedFrom: StreamPosition | undefined }
);

export interface ReconnectEvent {
  attempt: number;
  delayMs: number;
  /** Close code, or 1006 for a missed heartbeat. */
  code: number;
  /** Why: the server's reason code (DRAINING, OVERLOADED, SLOW_CONSUMER...), HEARTBEAT_TIMEOUT, or CONNECTION_LOST. */
  cause: string;
}

export type ClientEvents = {
  state: ConnectionState;
  recovery: RecoveryEvent;
  reconnect: ReconnectEvent;
  /**
   * Errors the server reported, refused subscriptions, refused connections (E_UNAUTHORIZED,
   * E_FORBIDDEN; `details.final` when the client gave up), and the reason the client gave up.
   */
  error: ClientError;
};
