import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { AuthConfig } from '@odin-ws/config';
import { exportJWK, SignJWT } from 'jose';
import { describe, expect, it } from 'vitest';
import { createTokenVerifier } from './token-verifier.js';

const dir = mkdtempSync(join(tmpdir(), 'odin-auth-'));
const write = (name: string, text: string) => {
  const path = join(dir, name);
  writeFileSync(path, text, { mode: 0o600 });
  return path;
};
const SECRET = 'a-shared-secret-of-at-least-32-bytes!';
const secretFile = write('secret', `${SECRET}\n`);
const config = (key: AuthConfig['key'], overrides: Partial<AuthConfig> = {}): AuthConfig => ({
  key,
  audience: undefined,
  issuer: undefined,
  channelsClaim: 'channels',
  defaultChannels: undefined,
  maxTokenLifetimeS: 86_400,
  clockToleranceS: 0,
  refreshWindowS: 30,
  requireSubject: false,
  queryToken: 'allow',
  ...overrides,
});
const now = () => Math.floor(Date.now() / 1000);
/** An HS256 token granting every channel unless `claims` says otherwise (`channels: undefined`: no claim). */
const hs256 = (claims: Record<string, unknown>, secret = SECRET) =>
  new SignJWT({ channels: ['*'], ...claims }).setProtectedHeader({ alg: 'HS256' }).sign(new TextEncoder().encode(secret));

describe('token verification with a shared secret', () => {
  const verifier = createTokenVerifier(config({ kind: 'secret-file', location: secretFile }));

  it('accepts a valid token and reads its subject, expiry and grants', async () => {
    const exp = now() + 60;
    const result = await verifier.verify(await hs256({ sub: 'alice', exp, channels: ['BTC.*'] }));
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.identity.subject).toBe('alice');
    expect(result.identity.expiresAt).toBe(exp * 1000); // clock tolerance 0 here
    expect(result.identity.grants.allows('BTC.trade')).toBe(true);
    expect(result.identity.grants.allows('ETH.trade')).toBe(false);
  });

  it.each([
    ['a wrong signature', () => hs256({ exp: now() + 60 }, 'another-secret-that-is-also-32-bytes!!'), 'TOKEN_INVALID'],
    ['alg none', async () => `${b64({ alg: 'none', typ: 'JWT' })}.${b64({ exp: now() + 60 })}.`, 'TOKEN_INVALID'],
    ['an expired token', () => hs256({ exp: now() - 10 }), 'TOKEN_EXPIRED'],
    ['a token not valid yet', () => hs256({ exp: now() + 600, nbf: now() + 300 }), 'TOKEN_NOT_YET_VALID'],
    ['a token without exp', () => hs256({ sub: 'alice' }), 'TOKEN_CLAIMS_INVALID'],
    ['a channels claim that is not a list', () => hs256({ exp: now() + 60, channels: 'BTC.*' }), 'TOKEN_CLAIMS_INVALID'],
    ['garbage', async () => 'not.a.jwt', 'TOKEN_MALFORMED'],
    ['a header that is not JSON', async () => `${Buffer.from('{{').toString('base64url')}.${b64({})}.sig`, 'TOKEN_MALFORMED'],
  ])('refuses %s', async (_label, token, code) => {
    const result = await verifier.verify(await token());
    expect(result).toMatchObject({ ok: false, code });
  });

  it('refuses a token without sub where connections are capped per user, and takes it where the operator allows', async () => {
    const noSubject = await hs256({ exp: now() + 60, channels: ['*'] });
    const capped = createTokenVerifier(config({ kind: 'secret-file', location: secretFile }, { requireSubject: true }));
    expect(await capped.verify(noSubject)).toMatchObject({ ok: false, code: 'TOKEN_CLAIMS_INVALID', message: expect.stringContaining('no "sub" claim') });
    expect(await capped.verify(await hs256({ exp: now() + 60, sub: '', channels: ['*'] }))).toMatchObject({ ok: false, code: 'TOKEN_CLAIMS_INVALID' });
    expect(await capped.verify(await hs256({ exp: now() + 60, sub: 'trader-1', channels: ['*'] }))).toMatchObject({
      ok: true,
      identity: { subject: 'trader-1' },
    });
    expect(await verifier.verify(noSubject)).toMatchObject({ ok: true, identity: { subject: undefined } });
  });

  it('refuses a token without a channels claim unless --auth-default-channels grants something (fail closed)', async () => {
    const noClaim = await hs256({ exp: now() + 60, channels: undefined });
    expect(await verifier.verify(noClaim)).toMatchObject({ ok: false, code: 'TOKEN_CLAIMS_INVALID', message: expect.stringContaining('no "channels" claim') });
    const defaulted = createTokenVerifier(config({ kind: 'secret-file', location: secretFile }, { defaultChannels: ['BTC.*'] }));
    const result = await defaulted.verify(noClaim);
    expect(result.ok && result.identity.grants.allows('BTC.trade') && !result.identity.grants.allows('ETH.trade')).toBe(true);
    // A claim, when there is one, is what counts.
    const claimed = await defaulted.verify(await hs256({ exp: now() + 60, channels: ['ETH.*'] }));
    expect(claimed.ok && claimed.identity.grants.allows('ETH.trade') && !claimed.identity.grants.allows('BTC.trade')).toBe(true);
    expect(() => createTokenVerifier(config({ kind: 'secret-file', location: secretFile }, { defaultChannels: ['(a+)+'] }))).toThrowError(
      expect.objectContaining({ code: 'E_AUTH_CONFIG' }),
    );
  });

  it('refuses a token that lives longer than --auth-max-token-lifetime, as issued or as presented', async () => {
    const day = createTokenVerifier(config({ kind: 'secret-file', location: secretFile }, { maxTokenLifetimeS: 3600 }));
    expect((await day.verify(await hs256({ exp: now() + 3000, iat: now() }))).ok).toBe(true);
    expect(await day.verify(await hs256({ exp: now() + 600, iat: now() - 7200 }))).toMatchObject({ code: 'TOKEN_CLAIMS_INVALID' }); // issued for 2 h 10 min
    expect(await day.verify(await hs256({ exp: now() + 30 * 86_400 }))).toMatchObject({ code: 'TOKEN_CLAIMS_INVALID' }); // no iat: 30 days left
  });

  it('allows the configured clock skew', async () => {
    const tolerant = createTokenVerifier(config({ kind: 'secret-file', location: secretFile }, { clockToleranceS: 30 }));
    expect((await tolerant.verify(await hs256({ exp: now() - 10 }))).ok).toBe(true);
    expect((await tolerant.verify(await hs256({ exp: now() - 60 }))).ok).toBe(false);
  });

  it('checks audience and issuer when configured', async () => {
    const strict = createTokenVerifier(config({ kind: 'secret-file', location: secretFile }, { audience: 'odin', issuer: 'https://id.example' }));
    expect((await strict.verify(await hs256({ exp: now() + 60, aud: 'odin', iss: 'https://id.example' }))).ok).toBe(true);
    expect(await strict.verify(await hs256({ exp: now() + 60, aud: 'other', iss: 'https://id.example' }))).toMatchObject({ code: 'TOKEN_CLAIMS_INVALID' });
    expect(await strict.verify(await hs256({ exp: now() + 60, aud: 'odin' }))).toMatchObject({ code: 'TOKEN_CLAIMS_INVALID' });
  });

  it('refuses a short secret or a missing file at start, naming the flag', () => {
    expect(() => createTokenVerifier(config({ kind: 'secret-file', location: write('short', 'tiny') }))).toThrow(
      expect.objectContaining({ code: 'E_AUTH_CONFIG', message: expect.stringContaining('at least 32 bytes') }),
    );
    expect(() => createTokenVerifier(config({ kind: 'secret-file', location: '/nonexistent' }))).toThrow(
      expect.objectContaining({ code: 'E_AUTH_CONFIG', message: '--auth-secret-file /nonexistent: cannot read it (ENOENT)' }),
    );
  });
});

describe('token verification with public keys', () => {
  const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' });

  it('accepts RS256 from the PEM public key, and refuses an HS256 token made with that public key as secret', async () => {
    const pem = rsa.publicKey.export({ type: 'spki', format: 'pem' }).toString();
    const verifier = createTokenVerifier(config({ kind: 'public-key-file', location: write('rsa.pem', pem) }));
    const good = await new SignJWT({ exp: now() + 60, channels: ['*'] }).setProtectedHeader({ alg: 'RS256' }).sign(rsa.privateKey);
    expect((await verifier.verify(good)).ok).toBe(true);
    const confused = await hs256({ exp: now() + 60 }, pem);
    expect(await verifier.verify(confused)).toMatchObject({ ok: false, code: 'TOKEN_INVALID' });
  });

  it('picks the JWKS key by kid, refuses an unknown kid, and follows a rotated file', async () => {
    const jwk = (key: typeof rsa.publicKey, kid: string) => exportJWK(key).then((exported) => ({ ...exported, kid }));
    const path = write('jwks.json', JSON.stringify({ keys: [await jwk(rsa.publicKey, 'rsa-1')] }));
    const verifier = createTokenVerifier(config({ kind: 'jwks-file', location: path }));
    const rsaToken = await new SignJWT({ exp: now() + 60, channels: ['*'] }).setProtectedHeader({ alg: 'RS256', kid: 'rsa-1' }).sign(rsa.privateKey);
    const ecToken = await new SignJWT({ exp: now() + 60, channels: ['*'] }).setProtectedHeader({ alg: 'ES256', kid: 'ec-2' }).sign(ec.privateKey);
    expect((await verifier.verify(rsaToken)).ok).toBe(true);
    expect(await verifier.verify(ecToken)).toMatchObject({ ok: false, code: 'TOKEN_INVALID' });
    await sleep(1100); // the file is looked at once a second
    writeFileSync(path, JSON.stringify({ keys: [await jwk(ec.publicKey, 'ec-2')] }));
    expect((await verifier.verify(ecToken)).ok).toBe(true);
    expect(await verifier.verify(rsaToken)).toMatchObject({ ok: false, code: 'TOKEN_INVALID' });
  });
});

describe('token verification options', () => {
  it('reads grants from the claim --auth-channels-claim names', async () => {
    const verifier = createTokenVerifier(config({ kind: 'secret-file', location: secretFile }, { channelsClaim: 'odin_channels' }));
    const result = await verifier.verify(await hs256({ exp: now() + 60, odin_channels: ['ETH.*'], channels: ['*'] }));
    expect(result.ok && result.identity.grants.allows('ETH.trade')).toBe(true);
    expect(result.ok && result.identity.grants.allows('BTC.trade')).toBe(false);
  });

  it('fetches the keys from a JWKS URL', async () => {
    const { publicKey, privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const jwks = JSON.stringify({ keys: [{ ...(await exportJWK(publicKey)), kid: 'url-1' }] });
    const server = createServer((_req, res) => res.writeHead(200, { 'Content-Type': 'application/json' }).end(jwks));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const port = (server.address() as AddressInfo).port;
      const verifier = createTokenVerifier(config({ kind: 'jwks-url', location: `http://127.0.0.1:${port}/.well-known/jwks.json` }));
      const signed = await new SignJWT({ exp: now() + 60, channels: ['*'] }).setProtectedHeader({ alg: 'ES256', kid: 'url-1' }).sign(privateKey);
      expect((await verifier.verify(signed)).ok).toBe(true);
    } finally {
      server.close();
    }
  });
});

function b64(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}
