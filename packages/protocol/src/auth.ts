/**
 * Authentication on the wire: what a refused handshake says (HTTP 401 with one of these codes),
 * how a client keeps a connection past its token's expiry, and how long a token may be.
 *
 * A client sends its token as `?token=<jwt>` on the WebSocket URL (browsers cannot set headers)
 * or as `Authorization: Bearer <jwt>`. Shortly before the token expires the server sends
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
  /** A claim is missing or wrong: no exp, another audience or issuer, a channels claim that is not a list of patterns. */
  TOKEN_CLAIMS_INVALID: 'TOKEN_CLAIMS_INVALID',
} as const;

export type AuthErrorCode = (typeof AuthErrorCode)[keyof typeof AuthErrorCode];

/** Tokens are short; this bounds what a hostile client can make the server parse and verify. */
export const MAX_TOKEN_LENGTH = 8192;

export type TokenLocation = { ok: true; token: string } | { ok: false; code: AuthErrorCode };

/**
 * The token a handshake carries. `query` is the part after `?` (without it), `authorization`
 * the header's value.
 */
export function tokenFromHandshake(query: string, authorization: string | undefined): TokenLocation {
  const fromQuery = new URLSearchParams(query).get('token') ?? undefined;
  const bearer = authorization === undefined ? undefined : /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(authorization)?.[1];
  if (authorization !== undefined && authorization !== '' && bearer === undefined) return { ok: false, code: AuthErrorCode.TOKEN_MALFORMED };
  if (fromQuery !== undefined && bearer !== undefined) return { ok: false, code: AuthErrorCode.TOKEN_AMBIGUOUS };
  const token = fromQuery ?? bearer;
  if (token === undefined || token === '') return { ok: false, code: AuthErrorCode.TOKEN_MISSING };
  if (token.length > MAX_TOKEN_LENGTH) return { ok: false, code: AuthErrorCode.TOKEN_TOO_LARGE };
  return { ok: true, token };
}
