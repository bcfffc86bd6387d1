import type { AuthErrorCode, ClientRefusalCode } from './auth.js';
import { CloseCode, type CloseReason } from './close-codes.js';
import { ODIN_SUBPROTOCOL, offeredSubprotocols } from './subprotocols.js';

/**
 * A handshake refused because of the client itself: its token (401) or its origin or entitlements
 * (403). Retrying the same request cannot help; a new token (or a log-in) can.
 *
 * Hazard: a browser never sees the HTTP status of a refused WebSocket handshake; page code gets a
 * bare close 1006, the same as "network down". So a client that can read a close frame (it offers
 * the `odin.v1` subprotocol, as the SDK always does) or that looks like a browser (it sent Origin)
 * gets the handshake completed and one close frame: 4401 or 4403 with `{"code":...}` as reason.
 * Every other client (curl, the earlier system's clients) keeps getting the plain 401/403.
 */
export interface ClientRefusal {
  status: 401 | 403;
  /** An AuthErrorCode for 401; ORIGIN_NOT_ALLOWED for 403. */
  code: ClientRefusalCode;
  message: string;
}

export const ORIGIN_REFUSAL: ClientRefusal = { status: 403, code: 'ORIGIN_NOT_ALLOWED', message: 'this origin may not open a WebSocket here' };

/** The refusal of a handshake that carries no token where one is required. */
export function missingTokenRefusal(code: AuthErrorCode): ClientRefusal {
  return { status: 401, code, message: 'a token is required: ?token=<jwt> or Authorization: Bearer <jwt>' };
}

export function tokenRefusal(code: AuthErrorCode, message: string): ClientRefusal {
  return { status: 401, code, message };
}

/** Whether a refusal goes out as a close frame after a completed handshake (see ClientRefusal). */
export function refusesWithCloseFrame(headers: { protocol: string | undefined; origin: string | undefined }): boolean {
  return offeredSubprotocols(headers.protocol).includes(ODIN_SUBPROTOCOL) || (headers.origin !== undefined && headers.origin !== '');
}

/** The plain HTTP form: status line, JSON body, headers. */
export function clientRefusalHttp(refusal: ClientRefusal): { statusLine: string; body: { error: string; message: string }; headers: Record<string, string> } {
  const body = { error: refusal.code, message: refusal.message };
  if (refusal.status === 401) return { statusLine: '401 Unauthorized', body, headers: { 'WWW-Authenticate': 'Bearer error="invalid_token"' } };
  return { statusLine: '403 Forbidden', body, headers: {} };
}

/** The close-frame form: 4401 or 4403, reason `{"code":"TOKEN_EXPIRED"}` (formatCloseReason). */
export function clientRefusalClose(refusal: ClientRefusal): { code: number; reason: CloseReason } {
  return { code: refusal.status === 401 ? CloseCode.UNAUTHORIZED : CloseCode.FORBIDDEN, reason: { code: refusal.code } };
}
