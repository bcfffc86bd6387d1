import { describe, expect, it } from 'vitest';
import { kafkaConfigFrom } from './configs.js';
import { defaultOptionValues, optionValuesFromEnvironment } from './options.js';

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
    expect(kafkaConfigFrom(values({ kafkaSaslMechanism: 'oauthbearer' })).sasl).toEqual({ mechanism: 'oauthbearer' });
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
});
