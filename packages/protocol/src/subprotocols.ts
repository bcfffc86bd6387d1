/**
 * The WebSocket subprotocols of this protocol (`Sec-WebSocket-Protocol`):
 * - `odin.v1`: the client reads refusals as close frames (client-refusal.ts). A server offered it
 *   answers with it; browsers fail a handshake whose answer names no subprotocol when they offered one.
 * - `odin.bearer.<token>`: the client's token. Browsers cannot set an Authorization header on a
 *   WebSocket but can offer subprotocols, and load balancers (Google's included) log the URL, where
 *   `?token=` would land, and not this header. Never answered back.
 */
export const ODIN_SUBPROTOCOL = 'odin.v1';
export const BEARER_SUBPROTOCOL_PREFIX = 'odin.bearer.';

/** The subprotocols a Sec-WebSocket-Protocol header offers, in order. */
export function offeredSubprotocols(header: string | undefined): string[] {
  if (!header) return [];
  return header
    .split(',')
    .map((token) => token.trim())
    .filter(Boolean);
}

/**
 * The subprotocol a server answers with: `odin.v1` when offered; otherwise the header as it came,
 * which is what servers of this protocol always echoed (the earlier system's clients keep working),
 * less any bearer token, which is never sent back.
 */
export function answeredSubprotocol(header: string | undefined): string {
  const offered = offeredSubprotocols(header);
  if (offered.includes(ODIN_SUBPROTOCOL)) return ODIN_SUBPROTOCOL;
  const withoutBearer = offered.filter((protocol) => !protocol.startsWith(BEARER_SUBPROTOCOL_PREFIX));
  return withoutBearer.length === offered.length ? (header ?? '') : (withoutBearer[0] ?? '');
}

/** The tokens offered as `odin.bearer.<token>` (one is the rule; more are ambiguous). */
export function bearerSubprotocols(header: string | undefined): string[] {
  return offeredSubprotocols(header)
    .filter((protocol) => protocol.startsWith(BEARER_SUBPROTOCOL_PREFIX))
    .map((protocol) => protocol.slice(BEARER_SUBPROTOCOL_PREFIX.length));
}
