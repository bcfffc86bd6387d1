import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ADMIN_PORT_OFFSET, kafkaConfigFrom, loadBalancerConfigFrom, shardConfigFrom } from './configs.js';
import { defaultOptionValues, optionValuesFromEnvironment } from './options.js';
import { readSecretFile } from './setting-file.js';

const values = (overrides: Partial<ReturnType<typeof defaultOptionValues>> = {}) => ({ ...defaultOptionValues(), ...overrides });

describe('kafkaConfigFrom', () => {
  it('is plain TCP without authentication by default (the local broker)', () => {
    expect(kafkaConfigFrom(values())).toEqual({ brokers: ['127.0.0.1:9092'], clientId: 'odin-ws', tls: undefined, sasl: undefined, metadataRefreshMs: 5000 });
  });

  it('turns TLS on for a CA file even without --kafka-ssl, keeping hostname checks', () => {
    expect(kafkaConfigFrom(values({ kafkaSslCaFile: '/etc/odin/ca.pem' })).tls).toEqual({
      caFile: '/etc/odin/ca.pem',
      certFile: undefined,
      keyFile: undefined,
      verifyHostname: true,
    });
  });

  it('builds SCRAM with the password file, and OAUTHBEARER with nothing else', () => {
    expect(
      kafkaConfigFrom(values({ kafkaSaslMechanism: 'scram-sha-512', kafkaSaslUsername: 'odin', kafkaSaslPasswordFile: '/run/secrets/kafka' })).sasl,
    ).toEqual({
      mechanism: 'scram-sha-512',
      username: 'odin',
      passwordFile: '/run/secrets/kafka',
    });
    expect(kafkaConfigFrom(values({ kafkaSaslMechanism: 'oauthbearer', kafkaSsl: true })).sasl).toEqual({ mechanism: 'oauthbearer' });
  });

  it('refuses PLAIN and OAUTHBEARER over plaintext unless --kafka-allow-plaintext-sasl; SCRAM sends no secret and is allowed', () => {
    for (const [mechanism, secret] of [
      ['plain', 'password'],
      ['oauthbearer', 'token'],
    ] as const) {
      const overrides = { kafkaSaslMechanism: mechanism, kafkaSaslUsername: 'odin' };
      expect(() => kafkaConfigFrom(values(overrides))).toThrow(
        expect.objectContaining({
          code: 'E_INVALID_OPTION_VALUE',
          message: `--kafka-sasl-mechanism ${mechanism} over plaintext would send its ${secret} in clear: turn on --kafka-ssl, or pass --kafka-allow-plaintext-sasl`,
        }),
      );
      expect(kafkaConfigFrom(values({ ...overrides, kafkaSsl: true })).sasl?.mechanism).toBe(mechanism);
      expect(kafkaConfigFrom(values({ ...overrides, kafkaSslCaFile: '/ca.pem' })).sasl?.mechanism).toBe(mechanism);
      expect(kafkaConfigFrom(values({ ...overrides, kafkaAllowPlaintextSasl: true })).sasl?.mechanism).toBe(mechanism);
    }
    expect(kafkaConfigFrom(values({ kafkaSaslMechanism: 'scram-sha-256', kafkaSaslUsername: 'odin' })).sasl?.mechanism).toBe('scram-sha-256');
  });

  it.each([
    ['a user-name mechanism without a user name', { kafkaSaslMechanism: 'plain' as const }, '--kafka-sasl-mechanism plain needs --kafka-sasl-username'],
    ['a client certificate without its key', { kafkaSslCertFile: '/c.pem' }, 'mutual TLS needs both --kafka-ssl-cert-file and --kafka-ssl-key-file'],
    ['a client key without its certificate', { kafkaSslKeyFile: '/k.pem' }, 'mutual TLS needs both --kafka-ssl-cert-file and --kafka-ssl-key-file'],
  ])('refuses %s, naming the flags', (_label, overrides, message) => {
    expect(() => kafkaConfigFrom(values(overrides))).toThrow(expect.objectContaining({ code: 'E_INVALID_OPTION_VALUE', message }));
  });
});

describe('optionValuesFromEnvironment', () => {
  it('parses the ODIN_* variables it finds as the CLI would, and leaves the rest at their defaults', () => {
    const fromEnv = optionValuesFromEnvironment({ ODIN_KAFKA_SSL: 'on', ODIN_KAFKA_SASL_MECHANISM: 'scram-sha-256', ODIN_PORT: '4000' });
    expect(fromEnv).toMatchObject({ kafkaSsl: true, kafkaSaslMechanism: 'scram-sha-256', port: 4000, kafkaBrokers: ['127.0.0.1:9092'] });
    expect(() => optionValuesFromEnvironment({ ODIN_KAFKA_SSL: 'maybe' })).toThrow(expect.objectContaining({ code: 'E_INVALID_OPTION_VALUE' }));
  });

  it('reads --delivery-forms as a set of known forms, empty for none, and refuses an unknown one naming it', () => {
    expect(optionValuesFromEnvironment({}).deliveryForms).toEqual(['fossil', 'deflate', 'compress']);
    expect(optionValuesFromEnvironment({ ODIN_DELIVERY_FORMS: '' }).deliveryForms).toEqual([]);
    expect(optionValuesFromEnvironment({ ODIN_DELIVERY_FORMS: 'compress,compress' }).deliveryForms).toEqual(['compress']);
    expect(() => optionValuesFromEnvironment({ ODIN_DELIVERY_FORMS: 'fossil,gzip' })).toThrow(
      expect.objectContaining({ code: 'E_INVALID_OPTION_VALUE', message: expect.stringContaining('gzip') }),
    );
  });
});

describe('per-user identity', () => {
  it('requires a sub while connections are capped per user, unless --auth-allow-no-subject; the LB counts per user too', () => {
    const auth = { authSecretFile: '/dev/null' };
    const required = (overrides: Record<string, unknown>) => shardConfigFrom(values({ ...auth, ...overrides })).access.auth?.requireSubject;
    expect(required({})).toBe(true);
    expect(required({ authAllowNoSubject: true })).toBe(false);
    expect(required({ maxConnectionsPerUser: 0 })).toBe(false);
    expect(loadBalancerConfigFrom(values({ ...auth, maxConnectionsPerUser: 7 })).maxConnectionsPerUser).toBe(7);
    expect(shardConfigFrom(values({ ...auth, authQueryToken: 'refuse' })).access.auth?.queryToken).toBe('refuse');
  });
});

describe('readSecretFile', () => {
  const file = (mode: number) => {
    const path = join(mkdtempSync(join(tmpdir(), 'odin-secret-')), 'secret');
    writeFileSync(path, 'hunter2\n');
    chmodSync(path, mode);
    return path;
  };

  it('reads a file only its owner (and group) may read, less one trailing newline, without a word', () => {
    const warnings: string[] = [];
    for (const mode of [0o600, 0o640, 0o400]) expect(readSecretFile(file(mode), '--x-file', 'E_KAFKA_CONFIG', (m) => warnings.push(m))).toBe('hunter2');
    expect(warnings).toEqual([]);
  });

  it('warns about a file everyone may read', () => {
    const warnings: string[] = [];
    const path = file(0o644);
    expect(readSecretFile(path, '--x-file', 'E_KAFKA_CONFIG', (m) => warnings.push(m))).toBe('hunter2');
    expect(warnings).toEqual([`--x-file ${path}: everyone on this machine may read it (mode 0644); chmod 600 (or 640) it`]);
  });

  it.each([0o666, 0o620, 0o602])('refuses a file others may write (mode %o), never showing its content', (mode) => {
    const path = file(mode);
    expect(() => readSecretFile(path, '--x-file', 'E_KAFKA_CONFIG', () => undefined)).toThrow(
      expect.objectContaining({ code: 'E_KAFKA_CONFIG', message: expect.stringContaining('group or others may write it') }),
    );
    expect(() => readSecretFile(path, '--x-file', 'E_KAFKA_CONFIG', () => undefined)).not.toThrow(/hunter2/);
  });
});

describe('access settings', () => {
  it('keeps the ops surface private by default: loopback, the public port + 100; on the public port only when asked', () => {
    expect(shardConfigFrom(values({ port: 3002 })).access.admin).toEqual({ host: '127.0.0.1', port: 3002 + ADMIN_PORT_OFFSET });
    expect(loadBalancerConfigFrom(values({ lbPort: 3001 })).access.admin).toEqual({ host: '127.0.0.1', port: 3101 });
    expect(shardConfigFrom(values({ port: 3002, adminPort: 9102, adminHost: '10.0.0.5' })).access.admin).toEqual({ host: '10.0.0.5', port: 9102 });
    expect(shardConfigFrom(values({ port: 0 })).access.admin).toEqual({ host: '127.0.0.1', port: 0 });
    expect(shardConfigFrom(values({ opsOnPublicPort: true })).access.admin).toBeUndefined();
    expect(() => shardConfigFrom(values({ port: 65500 }))).toThrow(expect.objectContaining({ code: 'E_INVALID_OPTION_VALUE' }));
  });

  it.each([
    ['an http JWKS URL', { authJwksUrl: 'http://idp.example/jwks.json', authAudience: 'odin' }, 'must be an https URL'],
    ['a JWKS URL that is no URL', { authJwksUrl: 'idp.example/jwks.json', authAudience: 'odin' }, 'must be an https URL'],
    ['a JWKS URL without an audience', { authJwksUrl: 'https://idp.example/jwks.json' }, '--auth-jwks-url needs --auth-audience'],
  ])('refuses %s', (_label, overrides, message) => {
    expect(() => shardConfigFrom(values(overrides))).toThrow(
      expect.objectContaining({ code: 'E_INVALID_OPTION_VALUE', message: expect.stringContaining(message) }),
    );
  });

  it('takes an https JWKS URL with an audience, and http only for an issuer on loopback', () => {
    expect(shardConfigFrom(values({ authJwksUrl: 'https://idp.example/jwks.json', authAudience: 'odin' })).access.auth?.key.kind).toBe('jwks-url');
    expect(shardConfigFrom(values({ authJwksUrl: 'http://127.0.0.1:8080/jwks.json', authAudience: 'odin' })).access.auth?.audience).toBe('odin');
  });
});
