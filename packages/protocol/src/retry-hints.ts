/**
 * Every "come back later" a server sends, in one table: how long a client (or the load balancer)
 * is asked to wait before it tries again. The shard's Retry-After headers, the close reasons'
 * `retryMs` and the drain's spread all read from here, so the two tiers cannot drift apart.
 */
export const RetryHints = {
  /** Retry-After (seconds) of a shard that refuses a handshake because it is full. */
  shardAtCapacityS: 2,
  /** Retry-After (seconds) of a shard that refuses a handshake because it is draining. */
  shardDrainingS: 1,
  /** Retry-After (seconds) of a load balancer's 503 while it drains or before it is ready. */
  unavailableS: 1,
  /** 1013 OVERLOADED: admission control or every shard full. */
  overloadedMs: 2000,
  /** 1013 TOO_MANY_CONNECTIONS: the client's address, or its token's user, holds as many connections as it may. */
  tooManyConnectionsMs: 5000,
  /** 1013 AUTH_RATE_LIMITED: the client's address sent more refused tokens than the load balancer checks. */
  authRateLimitedMs: 10_000,
  /** 1012 NO_SHARD_AVAILABLE: no shard took the handshake. */
  noShardMs: 1000,
  /** 1012 DRAINING: a load balancer refusing new handshakes while it drains. */
  lbDrainingMs: 1000,
  /** 1008 SLOW_CONSUMER: a client cut off for not reading. */
  slowConsumerMs: 1000,
  /**
   * 1012 DRAINING sent to connected clients (a shard or a load balancer going away): spread at
   * random over [minMs, minMs + spreadMs) so they do not all come back at the same moment.
   */
  drainReconnect: { minMs: 500, spreadMs: 2500 },
} as const;

/** A reconnect delay for one client closed by a drain (see RetryHints.drainReconnect). */
export function drainReconnectMs(random: () => number = Math.random): number {
  return RetryHints.drainReconnect.minMs + random() * RetryHints.drainReconnect.spreadMs;
}

/** The header a server sends with a 503 it expects to clear soon (draining, not ready yet). */
export function retryAfterHeader(seconds: number = RetryHints.unavailableS): { 'Retry-After': string } {
  return { 'Retry-After': String(seconds) };
}
