/**
 * The `error` of every plain-HTTP JSON answer a server gives outside the handshake rules
 * (handshake.ts) and the refusals (client-refusal.ts, shard-refusal.ts): one table, so both tiers
 * and docs/operations.md spell them alike.
 */
export const HttpErrorCode = {
  /** Any path but the WebSocket path (and, on the ops surface, /metrics, /health, /ready). */
  NOT_FOUND: 'NOT_FOUND',
  /** A plain GET to the WebSocket path. */
  UPGRADE_REQUIRED: 'UPGRADE_REQUIRED',
  /** A plain request to a load balancer that is draining. */
  DRAINING: 'DRAINING',
  /** /metrics failed to collect (a worker did not answer). */
  METRICS_UNAVAILABLE: 'METRICS_UNAVAILABLE',
  /** Local mode's page: /demo-token asked from an address that is not loopback (tokens signed with the real secret). */
  DEMO_TOKEN_FORBIDDEN: 'DEMO_TOKEN_FORBIDDEN',
} as const;

export type HttpErrorCode = (typeof HttpErrorCode)[keyof typeof HttpErrorCode];

/** The path WebSocket clients connect to, on both tiers. */
export const WEBSOCKET_PATH = '/ws';

/** The body of a 404 on a public port: where the client should have gone. */
export function notFoundBody(): { error: HttpErrorCode; hint: string } {
  return { error: HttpErrorCode.NOT_FOUND, hint: `WebSocket clients connect to ${WEBSOCKET_PATH}` };
}
