import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadSaslOptions, loadTlsOptions } from './kafka-security.js';

const fixturePath = (name: string) => new URL(`../test-fixtures/${name}`, import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), 'odin-kafka-security-'));
function file(name: string, content: string): string {
  const path = join(dir, name);
  writeFileSync(path, content, { mode: 0o600 });
  return path;
}
const tls = (overrides: Partial<Parameters<typeof loadTlsOptions>[0]> = {}) => ({
  caFile: undefined,
  certFile: undefined,
  keyFile: undefined,
  verifyHostname: true,
  ...overrides,
});

describe('loadTlsOptions', () => {
  it('reads the CA and the client certificate and key, and keeps hostname checks unless turned off', () => {
    const options = loadTlsOptions(tls({ caFile: fixturePath('broker.pem'), certFile: fixturePath('broker.pem'), keyFile: fixturePath('broker.key') }));
    expect(options.ca).toContain('BEGIN CERTIFICATE');
    expect(options.key).toContain('PRIVATE KEY');
    expect(options.checkServerIdentity).toBeUndefined();
    expect(loadTlsOptions(tls({ verifyHostname: false })).checkServerIdentity?.('localhost', {} as never)).toBeUndefined();
  });

  it.each([
    ['a missing CA file', tls({ caFile: '/nonexistent/ca.pem' }), /^--kafka-ssl-ca-file \/nonexistent\/ca\.pem: cannot read it \(ENOENT\)$/],
    ['a CA file that is not PEM', tls({ caFile: file('ca.txt', 'hello') }), /--kafka-ssl-ca-file .*: not a PEM certificate/],
    [
      'a damaged certificate',
      tls({ caFile: file('bad.pem', '-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n') }),
      /--kafka-ssl-ca-file .*: a certificate in it does not parse/,
    ],
    [
      'a key file that is not a key',
      tls({ certFile: fixturePath('broker.pem'), keyFile: fixturePath('other.pem') }),
      /--kafka-ssl-key-file .*: not a PEM private key/,
    ],
  ])('refuses %s with E_KAFKA_CONFIG naming the flag', (_label, settings, message) => {
    expect(() => loadTlsOptions(settings)).toThrow(expect.objectContaining({ code: 'E_KAFKA_CONFIG', message: expect.stringMatching(message) }));
  });
});

describe('loadSaslOptions', () => {
  const scram = (passwordFile: string | undefined) => ({ mechanism: 'scram-sha-512' as const, username: 'odin', passwordFile });

  it('reads the password from its file, without the trailing newline an editor adds', () => {
    expect(loadSaslOptions(scram(file('pw', 's3cret\n')), { env: {} })).toEqual({ mechanism: 'scram-sha-512', username: 'odin', password: 's3cret' });
  });

  it('takes ODIN_KAFKA_SASL_PASSWORD when no file is given', () => {
    expect(loadSaslOptions(scram(undefined), { env: { ODIN_KAFKA_SASL_PASSWORD: 'from-env' } })).toMatchObject({ password: 'from-env' });
  });

  it('refuses a missing or empty password, never printing one', () => {
    expect(() => loadSaslOptions(scram(undefined), { env: {} })).toThrow(
      expect.objectContaining({ code: 'E_KAFKA_CONFIG', message: expect.stringContaining('ODIN_KAFKA_SASL_PASSWORD is not set') }),
    );
    expect(() => loadSaslOptions(scram(file('empty', '\n')), { env: {} })).toThrow(
      expect.objectContaining({ code: 'E_KAFKA_CONFIG', message: expect.stringContaining('is empty') }),
    );
    expect(() => loadSaslOptions(scram('/nonexistent/pw'), { env: {} })).toThrow(
      expect.objectContaining({ message: '--kafka-sasl-password-file /nonexistent/pw: cannot read it (ENOENT)' }),
    );
  });

  it('gives OAUTHBEARER the token provider it was handed', async () => {
    const options = loadSaslOptions({ mechanism: 'oauthbearer' }, { env: {}, oauthTokenProvider: async () => ({ value: 'token' }) });
    expect(options.mechanism).toBe('oauthbearer');
    expect(await (options as { oauthBearerProvider: () => Promise<{ value: string }> }).oauthBearerProvider()).toEqual({ value: 'token' });
  });
});
