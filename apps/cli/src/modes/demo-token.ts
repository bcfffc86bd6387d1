import { type AuthConfig, readSecretFile } from '@odin-ws/config';
import { SignJWT } from 'jose';

/** Short, so the page shows a refresh within minutes of watching. */
const DEMO_TOKEN_LIFETIME_S = 120;

/**
 * DEMO ONLY: tokens for local mode's ticker page, signed with the fleet's --auth-secret-file, every
 * channel granted. Undefined when the fleet checks no tokens, or checks them against keys this
 * process cannot sign with (a public key or a JWKS: their private halves live with the issuer).
 */
export function demoTokenMinter(auth: AuthConfig | undefined): (() => Promise<string>) | undefined {
  if (auth?.key.kind !== 'secret-file') return undefined;
  const secret = new TextEncoder().encode(readSecretFile(auth.key.location, '--auth-secret-file', 'E_AUTH_CONFIG'));
  return () => {
    const now = Math.floor(Date.now() / 1000);
    return new SignJWT({ channels: ['*'], ...(auth.audience ? { aud: auth.audience } : {}), ...(auth.issuer ? { iss: auth.issuer } : {}) })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject('local-demo')
      .setIssuedAt(now)
      .setExpirationTime(now + DEMO_TOKEN_LIFETIME_S)
      .sign(secret);
  };
}
