import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  createTestTopic,
  type LoadBalancerProcess,
  produce,
  type ShardProcess,
  seedValue,
  sleep,
  startLoadBalancerProcess,
  startShardProcess,
  TestClient,
} from '@odin-ws/testkit';
import { exportJWK, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { b64, handshake, now, secretFile, token, unsigned } from './auth-helpers.js';

/** A hostile or odd handshake and the answer docs/hostile-input.md documents for it (both tiers alike). */
interface AuthCase {
  label: string;
  /** The token for `?token=`, and extra headers. */
  make: () => Promise<{ query?: string; headers?: Record<string, string> }>;
  answer: { status: 401; code: string } | { status: 101 };
}

const tampered = async () => {
  const [header, , signature] = (await token({ channels: ['BTC.*'] })).split('.');
  return `${header}.${b64({ exp: now() + 600, channels: ['*'] })}.${signature}`;
};

/** Cases against a secret-keyed fleet (--auth-clock-tolerance at its default, 30 s). */
export const SECRET_CASES: AuthCase[] = [
  { label: 'no token', make: async () => ({}), answer: { status: 401, code: 'TOKEN_MISSING' } },
  { label: 'an empty token=', make: async () => ({ query: '' }), answer: { status: 401, code: 'TOKEN_MISSING' } },
  { label: 'a token that is not a JWT', make: async () => ({ query: 'hello' }), answer: { status: 401, code: 'TOKEN_MALFORMED' } },
  { label: 'three empty JWT parts', make: async () => ({ query: '..' }), answer: { status: 401, code: 'TOKEN_MALFORMED' } },
  {
    label: 'a JWT header that is not JSON',
    make: async () => ({ query: `${Buffer.from('{{{').toString('base64url')}.${b64({ exp: now() + 60 })}.c2ln` }),
    answer: { status: 401, code: 'TOKEN_MALFORMED' },
  },
  {
    label: 'an Authorization header that is not Bearer',
    make: async () => ({ headers: { Authorization: 'Basic b2RpbjpvZGlu' } }),
    answer: { status: 401, code: 'TOKEN_MALFORMED' },
  },
  { label: 'alg none', make: async () => ({ query: unsigned() }), answer: { status: 401, code: 'TOKEN_INVALID' } },
  { label: 'a wrong signature', make: async () => ({ query: await token({}, 'z'.repeat(40)) }), answer: { status: 401, code: 'TOKEN_INVALID' } },
  { label: 'a payload changed after signing (granting *)', make: async () => ({ query: await tampered() }), answer: { status: 401, code: 'TOKEN_INVALID' } },
  {
    label: 'an RS256 header on an HMAC key',
    make: async () => ({ query: `${b64({ alg: 'RS256', typ: 'JWT' })}.${b64({ exp: now() + 60 })}.${Buffer.from('sig').toString('base64url')}` }),
    answer: { status: 401, code: 'TOKEN_INVALID' },
  },
  { label: 'an expired token', make: async () => ({ query: await token({ exp: now() - 120 }) }), answer: { status: 401, code: 'TOKEN_EXPIRED' } },
  {
    label: 'a token expired 10 s ago (within the clock skew allowed)',
    make: async () => ({ query: await token({ exp: now() - 10 }) }),
    answer: { status: 101 },
  },
  {
    label: 'a token not valid yet (nbf in 5 minutes)',
    make: async () => ({ query: await token({ nbf: now() + 300 }) }),
    answer: { status: 401, code: 'TOKEN_NOT_YET_VALID' },
  },
  { label: 'a token without exp', make: async () => ({ query: await token({ exp: undefined }) }), answer: { status: 401, code: 'TOKEN_CLAIMS_INVALID' } },
  {
    label: 'a channels claim that is a string',
    make: async () => ({ query: await token({ channels: 'BTC.*' }) }),
    answer: { status: 401, code: 'TOKEN_CLAIMS_INVALID' },
  },
  {
    label: 'a token without a channels claim (no --auth-default-channels)',
    make: async () => ({ query: await token({ channels: undefined }) }),
    answer: { status: 401, code: 'TOKEN_CLAIMS_INVALID' },
  },
  {
    label: 'a token that lives a year',
    make: async () => ({ query: await token({ exp: now() + 365 * 86_400 }) }),
    answer: { status: 401, code: 'TOKEN_CLAIMS_INVALID' },
  },
  {
    label: 'a channels claim whose pattern would backtrack (a*a*a*a*a*a*a*a*b)',
    make: async () => ({ query: await token({ channels: ['a*a*a*a*a*a*a*a*b'] }) }),
    answer: { status: 401, code: 'TOKEN_CLAIMS_INVALID' },
  },
  {
    label: 'a channels claim with 33 patterns with *',
    make: async () => ({ query: await token({ channels: Array.from({ length: 33 }, (_, i) => `S${i}.*`) }) }),
    answer: { status: 401, code: 'TOKEN_CLAIMS_INVALID' },
  },
  {
    label: 'a channels claim with 17 parts between two *',
    make: async () => ({ query: await token({ channels: Array.from({ length: 17 }, (_, i) => `*aaaaaaaaaaaaaaaab${i}*`) }) }),
    answer: { status: 401, code: 'TOKEN_CLAIMS_INVALID' },
  },
  {
    label: 'a channels claim with a regular expression',
    make: async () => ({ query: await token({ channels: ['(a+)+$'] }) }),
    answer: { status: 401, code: 'TOKEN_CLAIMS_INVALID' },
  },
  { label: 'a 9,000-character token', make: async () => ({ query: 'e'.repeat(9000) }), answer: { status: 401, code: 'TOKEN_TOO_LARGE' } },
  {
    label: 'a token in both the query and the Authorization header',
    make: async () => ({ query: await token(), headers: { Authorization: `Bearer ${await token()}` } }),
    answer: { status: 401, code: 'TOKEN_AMBIGUOUS' },
  },
];

/** Cases against a JWKS-keyed fleet. */
export const JWKS_CASES_LABELS = ['a kid the JWKS does not have', 'a key added to the JWKS file while running (rotation)'];

describe('hostile tokens (real shard and LB)', () => {
  let topic: string;
  const shards: ShardProcess[] = [];
  const lbs: LoadBalancerProcess[] = [];
  let bystander: TestClient | undefined;

  beforeAll(async () => {
    topic = await createTestTopic('hostile-auth', 1);
  });

  afterAll(async () => {
    bystander?.terminate();
    await Promise.all(lbs.map((lb) => lb.stop()));
    await Promise.all(shards.map((shard) => shard.stop()));
  });

  const fleet = async (authArgs: string[]) => {
    const shard = await startShardProcess({ topics: [topic], args: [`--channel-map=${topic}=trade`, ...authArgs] });
    // Every case comes from 127.0.0.1: more refused tokens than an address may send (--auth-failures-per-ip,
    // tested on its own in identity-and-cost.test.ts).
    const lb = await startLoadBalancerProcess({ backendUrls: [shard.url], args: [...authArgs, '--auth-failures-per-ip=1000'] });
    shards.push(shard);
    lbs.push(lb);
    await lb.waitForShardsReady();
    return { shard, lb };
  };

  it('answers each malformed, forged or out-of-date token as documented, at the shard and through the LB', async () => {
    const { shard, lb } = await fleet([`--auth-secret-file=${secretFile}`]);
    bystander = await TestClient.connect(`${lb.url}?token=${await token()}`);
    await bystander.subscribe(['BY.trade']);
    for (const hostile of SECRET_CASES) {
      for (const base of [shard.url, lb.url]) {
        const { query, headers } = await hostile.make();
        const answer = await handshake(query === undefined ? base : `${base}?token=${query}`, headers);
        expect(answer, `${hostile.label} at ${base}`).toEqual(hostile.answer);
      }
    }
    // Nothing else broke: both answer /health, the bystander still streams, no circuit opened.
    await produce(topic, [{ key: 'BY', value: seedValue({ n: 1 }) }]);
    await bystander.waitForData(1, 'BY.trade');
    expect((await shard.health())['status']).toBe('ok');
    expect((await lb.health()).shards[0]).toMatchObject({ circuit: 'closed', recentFailures: 0 });
  }, 60_000);

  it('refuses a kid the JWKS does not have, and accepts a key added to the JWKS file while running (rotation)', async () => {
    const first = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const second = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const jwk = async (key: typeof first.publicKey, kid: string) => ({ ...(await exportJWK(key)), kid, alg: 'ES256', use: 'sig' });
    const jwksFile = join(mkdtempSync(join(tmpdir(), 'odin-jwks-')), 'jwks.json');
    writeFileSync(jwksFile, JSON.stringify({ keys: [await jwk(first.publicKey, 'k1')] }));
    const { shard, lb } = await fleet([`--auth-jwks-file=${jwksFile}`]);
    const signed = (key: typeof first.privateKey, kid: string) =>
      new SignJWT({ exp: now() + 600, sub: 'trader-1', channels: ['*'] }).setProtectedHeader({ alg: 'ES256', kid }).sign(key);
    for (const base of [shard.url, lb.url]) {
      expect(await handshake(`${base}?token=${await signed(first.privateKey, 'k1')}`)).toEqual({ status: 101 });
      expect(await handshake(`${base}?token=${await signed(second.privateKey, 'k2')}`), JWKS_CASES_LABELS[0]).toEqual({ status: 401, code: 'TOKEN_INVALID' });
    }
    const keys = JSON.parse(readFileSync(jwksFile, 'utf8')) as { keys: unknown[] };
    writeFileSync(jwksFile, JSON.stringify({ keys: [...keys.keys, await jwk(second.publicKey, 'k2')] }));
    await sleep(1_200); // the file is looked at once a second
    for (const base of [shard.url, lb.url]) {
      expect(await handshake(`${base}?token=${await signed(second.privateKey, 'k2')}`), JWKS_CASES_LABELS[1]).toEqual({ status: 101 });
    }
  }, 60_000);

  it('docs/hostile-input.md lists every token case', () => {
    const doc = readFileSync(new URL('../../../docs/hostile-input.md', import.meta.url), 'utf8');
    for (const label of [...SECRET_CASES.map((hostile) => hostile.label), ...JWKS_CASES_LABELS]) expect(doc, label).toContain(`| ${label} |`);
  });
});
