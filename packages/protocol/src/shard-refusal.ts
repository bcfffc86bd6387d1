import { RetryHints, retryAfterHeader } from './retry-hints.js';

/**
 * Why a shard answered a handshake with 503 instead of 101. The load balancer must tell these
 * apart from a failing shard: a full or draining shard answered correctly, so the refusal never
 * counts against its circuit breaker, and a fleet where every shard is full means "overloaded"
 * (1013) rather than "no shard" (1012).
 *
 * The code travels in a header (`X-Odin-Refusal`), read from the response head, which the load
 * balancer always has whole; the JSON body repeats it for people and other clients.
 */
export const ShardRefusalCode = {
  AT_CAPACITY: 'AT_CAPACITY',
  DRAINING: 'DRAINING',
} as const;

export type ShardRefusalCode = (typeof ShardRefusalCode)[keyof typeof ShardRefusalCode];

export const SHARD_REFUSAL_HEADER = 'X-Odin-Refusal';

export interface ShardRefusalAnswer {
  status: '503 Service Unavailable';
  headers: Record<string, string>;
  body: { error: ShardRefusalCode; retryAfterS: number };
}

/** The HTTP answer a shard sends for a refusal. */
export function shardRefusalAnswer(code: ShardRefusalCode): ShardRefusalAnswer {
  const retryAfterS = code === ShardRefusalCode.DRAINING ? RetryHints.shardDrainingS : RetryHints.shardAtCapacityS;
  return {
    status: '503 Service Unavailable',
    headers: { [SHARD_REFUSAL_HEADER]: code, ...retryAfterHeader(retryAfterS) },
    body: { error: code, retryAfterS },
  };
}

const REFUSAL_HEADER_LINE = new RegExp(`^${SHARD_REFUSAL_HEADER}:[ \\t]*([A-Z_]+)[ \\t]*$`, 'im');
const CODES: ReadonlySet<string> = new Set(Object.values(ShardRefusalCode));

/** The refusal code in a raw HTTP response head (status line and headers), if it carries a known one. */
export function readShardRefusal(responseHead: string): ShardRefusalCode | undefined {
  const code = REFUSAL_HEADER_LINE.exec(responseHead)?.[1];
  return code !== undefined && CODES.has(code) ? (code as ShardRefusalCode) : undefined;
}
