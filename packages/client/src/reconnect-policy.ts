import { CloseCode, parseCloseReason } from '@odin-ws/protocol';

export interface BackoffOptions {
  /** Upper bound of the first retry's random delay. */
  initialMs: number;
  /** Cap of the exponential growth. */
  maxMs: number;
}

/**
 * A first retry anywhere in 0-1 s: when a shard holding 15,000 clients dies they come back over a
 * second, not in one burst at the load balancer.
 */
export const DEFAULT_BACKOFF: BackoffOptions = { initialMs: 1000, maxMs: 30_000 };

/**
 * Close codes after which reconnecting would only repeat the failure: the client itself sent
 * something the server cannot accept (a protocol error, an oversized frame, invalid data).
 */
const FATAL_CLOSE_CODES: ReadonlySet<number> = new Set([1002, 1003, 1007, CloseCode.MESSAGE_TOO_BIG, 1010]);

const TOKEN_EXPIRED_SPREAD_MS = 250;

export type CloseDecision = { reconnect: true; delayMs: number; serverCode?: string } | { reconnect: false; why: string };

/**
 * What to do after the connection closed with `code` and `reason`, on the `attempt`-th retry in a
 * row (0 for the first after a healthy connection).
 *
 * The delay is "full jitter" (random between 0 and initialMs x 2^attempt, capped), so thousands of
 * clients cut at once spread their returns instead of stampeding. When the server named a delay
 * (1012 DRAINING, 1013 OVERLOADED, 1008 SLOW_CONSUMER all carry `retryMs`), that is the minimum and
 * the jitter comes on top.
 */
export function decideOnClose(code: number, reason: string, attempt: number, backoff: BackoffOptions, random: () => number = Math.random): CloseDecision {
  if (FATAL_CLOSE_CODES.has(code)) return { reconnect: false, why: `server closed with ${code}${reason ? ` ${reason}` : ''}; reconnecting would repeat it` };
  // An expired token: nothing is wrong with the server, so come back at once (with a fresh token),
  // spread over a quarter second.
  if (code === CloseCode.TOKEN_EXPIRED) return { reconnect: true, delayMs: Math.round(random() * TOKEN_EXPIRED_SPREAD_MS), serverCode: 'TOKEN_EXPIRED' };
  const parsed = parseCloseReason(reason);
  return {
    reconnect: true,
    delayMs: Math.round((parsed?.retryMs ?? 0) + backoffDelayMs(attempt, backoff, random)),
    ...(parsed ? { serverCode: parsed.code } : {}),
  };
}

/** The full-jitter delay of the `attempt`-th retry in a row. */
export function backoffDelayMs(attempt: number, backoff: BackoffOptions, random: () => number = Math.random): number {
  return Math.round(random() * Math.min(backoff.maxMs, backoff.initialMs * 2 ** Math.min(attempt, 30)));
}
