import { bearerSubprotocols } from './subprotocols.js';

/**
 * Authentication on the wire: what a refused handshake says (HTTP 401 with one of these codes),
 * how a client keeps a connection past its token's expiry, and how long a token may be.
 *
 * A client sends its token in one of three places: the subprotocol `odin.bearer.<jwt>` (browsers can
 * offer subprotocols, and proxies do not log them), `Authorization: Bearer <jwt>`, or, for older
 * clients, `?token=<jwt>` on the URL (which proxies and load balancers log). Shortly before the token expires the server sends
 * `token_expiring`; the client answers `refresh` with a new token. A connection whose token
 * expired anyway is closed with 4001 TOKEN_EXPIRED: get a new token, then reconnect.
 */
export const AuthErrorCode = {
  /** No token in the query string or the Authorization header. */
  TOKEN_MISSING: 'TOKEN_MISSING',
  /** A token both in the query string and the header: which one is meant cannot be known. */
  TOKEN_AMBIGUOUS: 'TOKEN_AMBIGUOUS',
  /** Longer than MAX_TOKEN_LENGTH. */
  TOKEN_TOO_LARGE: 'TOKEN_TOO_LARGE',
  /** Not a compact JWS. */
  TOKEN_MALFORMED: 'TOKEN_MALFORMED',
  /** A signature that does not verify, an algorithm not allowed (alg none included), an unknown key id. */
  TOKEN_INVALID: 'TOKEN_INVALID',
  TOKEN_EXPIRED: 'TOKEN_EXPIRED',
  TOKEN_NOT_YET_VALID: 'TOKEN_NOT_YET_VALID',
  /** A claim is missing or wrong: no exp, another audience or issuer, a channels claim that is not a list of patterns, no sub where connections are capped per user. */
  TOKEN_CLAIMS_INVALID: 'TOKEN_CLAIMS_INVALID',
  /** A token in the URL (`?token=`) where the server refuses it there (--auth-query-token refuse): URLs are logged. */
  TOKEN_IN_QUERY: 'TOKEN_IN_QUERY',
} as const;

export type AuthErrorCode = (typeof AuthErrorCode)[keyof typeof AuthErrorCode];

/** Why a handshake was refused because of the client itself: its token, or (403) its origin. */
export type ClientRefusalCode = AuthErrorCode | 'ORIGIN_NOT_ALLOWED';

/** Tokens are short; this bounds what a hostile client can make the server parse and verify. */
export const MAX_TOKEN_LENGTH = 8192;

export type TokenLocation = { ok: true; token: string } | { ok: false; code: AuthErrorCode };

/**
 * The token a handshake carries. `query` is the part after `?` (without it), `authorization`
 * and `protocols` the Authorization and Sec-WebSocket-Protocol headers' values. A token in more
 * than one place is TOKEN_AMBIGUOUS: which one is meant cannot be known. `queryToken: 'refuse'`
 * (--auth-query-token) refuses one in the URL as TOKEN_IN_QUERY, whatever else the handshake holds.
 */
export function tokenFromHandshake(
  query: string,
  authorization: string | undefined,
  protocols?: string,
  queryToken: 'allow' | 'refuse' = 'allow',
): TokenLocation {
  const fromQuery = new URLSearchParams(query).get('token') ?? undefined;
  if (fromQuery !== undefined && queryToken === 'refuse') return { ok: false, code: AuthErrorCode.TOKEN_IN_QUERY };
  const bearer = authorization === undefined ? undefined : /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(authorization)?.[1];
  if (authorization !== undefined && authorization !== '' && bearer === undefined) return { ok: false, code: AuthErrorCode.TOKEN_MALFORMED };
  const offered = bearerSubprotocols(protocols);
  const places = [fromQuery, bearer, ...offered].filter((found) => found !== undefined);
  if (places.length > 1) return { ok: false, code: AuthErrorCode.TOKEN_AMBIGUOUS };
  const token = places[0];
  if (token === undefined || token === '') return { ok: false, code: AuthErrorCode.TOKEN_MISSING };
  if (token.length > MAX_TOKEN_LENGTH) return { ok: false, code: AuthErrorCode.TOKEN_TOO_LARGE };
  return { ok: true, token };
}
