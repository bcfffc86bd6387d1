import { createPublicKey, type KeyObject } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { type AuthConfig, readSecretFile, readSettingFile } from '@odin-ws/config';
import { describeError, OdinError } from '@odin-ws/errors';
import { AuthErrorCode } from '@odin-ws/protocol';
import { createLocalJWKSet, createRemoteJWKSet, errors, type JSONWebKeySet, type JWTVerifyGetKey, jwtVerify } from 'jose';
import { ChannelGrants } from './channel-grants.js';

/** What a valid token says about its holder. */
export interface Identity {
  /** `sub`, for logs only (never a metric label). */
  subject: string | undefined;
  /** When the server stops honouring the token, ms since the epoch: `exp` (required) plus the clock tolerance. */
  expiresAt: number;
  grants: ChannelGrants;
}

export type Verification = { ok: true; identity: Identity } | { ok: false; code: AuthErrorCode; message: string };

export interface TokenVerifier {
  verify(token: string): Promise<Verification>;
}

const HMAC = ['HS256', 'HS384', 'HS512'];
const ASYMMETRIC = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA', 'Ed25519'];
/** A JWKS file is looked at (one stat) at most this often; a rotated file is picked up within it. */
const JWKS_FILE_CHECK_MS = 1000;

/**
 * Verifies JWTs with jose (no hand-written crypto). The key source and its algorithms are fixed by
 * the configuration, so a token cannot pick its own: `alg: none`, an HMAC token against a public
 * key (the classic confusion attack), or any algorithm the key does not use is TOKEN_INVALID.
 * Key files are read now: a missing or unusable one fails the start (E_AUTH_CONFIG).
 */
export function createTokenVerifier(config: AuthConfig): TokenVerifier {
  const { key, algorithms } = keyFor(config);
  if (config.defaultChannels && !ChannelGrants.fromClaim(config.defaultChannels)) {
    throw new OdinError('E_AUTH_CONFIG', `--auth-default-channels: not a list of channel patterns: ${config.defaultChannels.join(',')}`, {
      value: config.defaultChannels,
    });
  }
  const options = {
    algorithms,
    requiredClaims: ['exp'],
    clockTolerance: config.clockToleranceS,
    ...(config.audience ? { audience: config.audience } : {}),
    ...(config.issuer ? { issuer: config.issuer } : {}),
  };
  return {
    async verify(token) {
      try {
        const { payload } = await (typeof key === 'function' ? jwtVerify(token, key, options) : jwtVerify(token, key, options));
        // As issued (exp - iat) and as presented (exp - now): a token without iat is judged by the second.
        const exp = payload.exp!;
        const lifetimeS = Math.max(typeof payload.iat === 'number' ? exp - payload.iat : 0, exp - Date.now() / 1000);
        if (lifetimeS > config.maxTokenLifetimeS + config.clockToleranceS) {
          return refused(AuthErrorCode.TOKEN_CLAIMS_INVALID, `the token lives longer than this server accepts (${config.maxTokenLifetimeS} s)`);
        }
        // Connections are capped per user: a token that names no user would escape the cap.
        if (config.requireSubject && (typeof payload.sub !== 'string' || payload.sub === '')) {
          return refused(
            AuthErrorCode.TOKEN_CLAIMS_INVALID,
            'the token has no "sub" claim: connections are capped per user here (--max-connections-per-user), so a token must say whose it is',
          );
        }
        const claim = payload[config.channelsClaim] ?? config.defaultChannels;
        if (claim === undefined) {
          return refused(
            AuthErrorCode.TOKEN_CLAIMS_INVALID,
            `the token has no "${config.channelsClaim}" claim, and this server grants no channels without one`,
          );
        }
        const grants = ChannelGrants.fromClaim(claim);
        if (!grants) return refused(AuthErrorCode.TOKEN_CLAIMS_INVALID, `the "${config.channelsClaim}" claim must be a list of channel patterns`);
        return { ok: true, identity: { subject: payload.sub, expiresAt: (payload.exp! + config.clockToleranceS) * 1000, grants } };
      } catch (error) {
        return refusalOf(error);
      }
    },
  };
}

function keyFor(config: AuthConfig): { key: Uint8Array | KeyObject | JWTVerifyGetKey; algorithms: string[] } {
  const { kind, location } = config.key;
  switch (kind) {
    case 'secret-file': {
      const secret = readSecretFile(location, '--auth-secret-file', 'E_AUTH_CONFIG');
      // RFC 7518 3.2: an HMAC key shorter than the hash is brute-forceable.
      if (Buffer.byteLength(secret) < 32) throw configError(`--auth-secret-file ${location}: the secret must be at least 32 bytes`, location);
      return { key: new TextEncoder().encode(secret), algorithms: HMAC };
    }
    case 'public-key-file': {
      try {
        return { key: createPublicKey(readSettingFile(location, '--auth-public-key-file', 'E_AUTH_CONFIG')), algorithms: ASYMMETRIC };
      } catch (error) {
        if (error instanceof OdinError) throw error;
        throw configError(`--auth-public-key-file ${location}: not a PEM public key (${describeError(error)})`, location);
      }
    }
    case 'jwks-file':
      return { key: jwksFromFile(location), algorithms: ASYMMETRIC };
    case 'jwks-url':
      return { key: createRemoteJWKSet(new URL(location)), algorithms: ASYMMETRIC };
  }
}

/** A JWKS file, re-read when its size or modification time changes; a broken rewrite keeps the last good set. */
function jwksFromFile(path: string): JWTVerifyGetKey {
  let stamp = '';
  let checkedAt = 0;
  let keySet = createLocalJWKSet(parseJwks(readSettingFile(path, '--auth-jwks-file', 'E_AUTH_CONFIG'), path));
  return (header, token) => {
    const now = Date.now();
    if (now - checkedAt >= JWKS_FILE_CHECK_MS) {
      checkedAt = now;
      try {
        const { size, mtimeMs } = statSync(path);
        const current = `${size}:${mtimeMs}`;
        if (current !== stamp) {
          keySet = createLocalJWKSet(parseJwks(readFileSync(path, 'utf8'), path));
          stamp = current;
        }
      } catch {
        // Missing or half-written for a moment: the keys read last stay in force.
      }
    }
    return keySet(header, token);
  };
}

function parseJwks(text: string, path: string): JSONWebKeySet {
  try {
    const value = JSON.parse(text) as JSONWebKeySet;
    if (Array.isArray(value?.keys)) return value;
  } catch {
    // reported below
  }
  throw configError(`--auth-jwks-file ${path}: not a JWKS ({"keys":[...]})`, path);
}

function configError(message: string, path: string): OdinError {
  return new OdinError('E_AUTH_CONFIG', message, { path });
}

function refused(code: AuthErrorCode, message: string): Verification {
  return { ok: false, code, message };
}

/** jose's errors, as the codes a client is told (docs/auth.md). */
function refusalOf(error: unknown): Verification {
  if (error instanceof errors.JWTExpired) return refused(AuthErrorCode.TOKEN_EXPIRED, 'the token has expired');
  if (error instanceof errors.JWTClaimValidationFailed) {
    if (error.claim === 'nbf') return refused(AuthErrorCode.TOKEN_NOT_YET_VALID, 'the token is not valid yet (nbf)');
    return refused(AuthErrorCode.TOKEN_CLAIMS_INVALID, `claim "${error.claim}": ${error.reason}`);
  }
  if (error instanceof errors.JWSInvalid || error instanceof errors.JWTInvalid) return refused(AuthErrorCode.TOKEN_MALFORMED, 'not a signed JWT');
  if (error instanceof errors.JWKSNoMatchingKey) return refused(AuthErrorCode.TOKEN_INVALID, 'no key matches the token (kid)');
  if (error instanceof errors.JOSEAlgNotAllowed)
    return refused(AuthErrorCode.TOKEN_INVALID, 'the token is signed with an algorithm this server does not accept');
  if (error instanceof errors.JWSSignatureVerificationFailed) return refused(AuthErrorCode.TOKEN_INVALID, 'the signature does not verify');
  if (error instanceof errors.JWKSTimeout) return refused(AuthErrorCode.TOKEN_INVALID, 'the issuer keys could not be fetched in time');
  return refused(AuthErrorCode.TOKEN_INVALID, 'the token could not be verified');
}
