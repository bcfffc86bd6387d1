import type { ClientRefusalCode } from './auth.js';

/**
 * WebSocket close codes odin-ws sends, and the one reason format they all use: a short JSON
 * object `{"code":"DRAINING","retryMs":1500}` (well under the 123-byte limit of a close reason),
 * so a client — including a browser reading CloseEvent.reason — can act on it.
 */
export const CloseCode = {
  /** Seed clients treat 1008 as "too slow": used for the slow-consumer cut-off. */
  SLOW_CONSUMER: 1008,
  /** A client frame exceeded --max-message-size. */
  MESSAGE_TOO_BIG: 1009,
  /** The server is restarting or draining: reconnect (elsewhere) after retryMs. */
  SERVICE_RESTART: 1012,
  /** Overloaded: try again later, after retryMs. */
  TRY_AGAIN_LATER: 1013,
  /** The connection's token expired without a refresh: get a new token, then reconnect. */
  TOKEN_EXPIRED: 4001,
  /** The handshake's token was refused (HTTP 401 as a close frame; the reason names the AuthErrorCode). */
  UNAUTHORIZED: 4401,
  /** The handshake was refused for its origin (HTTP 403 as a close frame). */
  FORBIDDEN: 4403,
} as const;

export type CloseReasonCode =
  | 'DRAINING'
  | 'SLOW_CONSUMER'
  | 'MESSAGE_TOO_BIG'
  | 'OVERLOADED'
  | 'NO_SHARD_AVAILABLE'
  | 'TOKEN_EXPIRED'
  | 'TOO_MANY_CONNECTIONS'
  | 'AUTH_RATE_LIMITED'
  | ClientRefusalCode;

export interface CloseReason {
  code: CloseReasonCode;
  retryMs?: number;
}

export function formatCloseReason(reason: CloseReason): string {
  return JSON.stringify(reason.retryMs === undefined ? { code: reason.code } : { code: reason.code, retryMs: Math.round(reason.retryMs) });
}

/** Reads a close reason sent by odin-ws; undefined for anything else (other servers, empty reasons). */
export function parseCloseReason(text: string): CloseReason | undefined {
  try {
    const value: unknown = JSON.parse(text);
    if (typeof value !== 'object' || value === null) return undefined;
    const { code, retryMs } = value as Record<string, unknown>;
    if (typeof code !== 'string') return undefined;
    return typeof retryMs === 'number' ? { code: code as CloseReasonCode, retryMs } : { code: code as CloseReasonCode };
  } catch {
    return undefined;
  }
}
