import { type AuthConfig, readSecretFile } from '@odin-ws/config';
import { SignJWT } from 'jose';

/** Short, so the page shows a refresh within minutes of watching. */
const DEMO_TOKEN_LIFETIME_S = 120;

/**
 * DEMO ONLY: tokens for local mode's ticker page, signed with the fleet's --auth-secret-file,
 * granting the demo symbols' channels (`BTC.*`, …) and no others. Undefined when the fleet checks no
 * tokens, or checks them against keys this process cannot sign with (a public key or a JWKS: their
 * private halves live with the issuer). The page serves them to loopback clients only.
 */
export function demoTokenMinter(auth: AuthConfig | undefined, symbols: readonly string[]): (() => Promise<string>) | undefined {
  if (auth?.key.kind !== 'secret-file') return undefined;
  const secret = new TextEncoder().encode(readSecretFile(auth.key.location, '--auth-secret-file', 'E_AUTH_CONFIG'));
  const channels = symbols.map((symbol) => `${symbol}.*`);
  return () => {
    const now = Math.floor(Date.now() / 1000);
    return new SignJWT({ channels, ...(auth.audience ? { aud: auth.audience } : {}), ...(auth.issuer ? { iss: auth.issuer } : {}) })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject('local-demo')
      .setIssuedAt(now)
      .setExpirationTime(now + DEMO_TOKEN_LIFETIME_S)
      .sign(secret);
  };
}
