import { X509Certificate } from 'node:crypto';
import { type ConnectionOptions, createSecureContext } from 'node:tls';
import { type KafkaSaslConfig, type KafkaTlsConfig, readSecretFile, readSettingFile } from '@odin-ws/config';
import { describeError, OdinError } from '@odin-ws/errors';
import type { SASLOptions } from 'kafkajs';
import { gcpAccessTokenProvider, type OAuthTokenProvider } from './oauth-gcp.js';

/**
 * Turns the Kafka security settings into what the client needs, reading every file now: a
 * missing, unreadable or wrong file fails the start with one line naming its flag, instead of a
 * reconnect loop that would say nothing useful. Secrets never reach a log: errors name the file,
 * never its content.
 */
export function loadTlsOptions(tls: KafkaTlsConfig): ConnectionOptions {
  const options: ConnectionOptions = {};
  if (tls.caFile) {
    options.ca = readPem(tls.caFile, '--kafka-ssl-ca-file', 'CERTIFICATE');
    checkCertificates(options.ca, tls.caFile, '--kafka-ssl-ca-file');
  }
  if (tls.certFile && tls.keyFile) {
    options.cert = readPem(tls.certFile, '--kafka-ssl-cert-file', 'CERTIFICATE');
    checkCertificates(options.cert, tls.certFile, '--kafka-ssl-cert-file');
    options.key = readPem(tls.keyFile, '--kafka-ssl-key-file', 'PRIVATE KEY');
    try {
      createSecureContext({ cert: options.cert, key: options.key });
    } catch (error) {
      throw new OdinError(
        'E_KAFKA_CONFIG',
        `--kafka-ssl-key-file ${tls.keyFile} does not fit --kafka-ssl-cert-file ${tls.certFile} (${describeError(error)})`,
        {
          certFile: tls.certFile,
          keyFile: tls.keyFile,
        },
      );
    }
  }
  // Hostname verification can be turned off for brokers reached by an address their certificate
  // does not name (a tunnel, an IP); the chain itself is always verified.
  if (!tls.verifyHostname) options.checkServerIdentity = () => undefined;
  return options;
}

export interface SaslSecrets {
  /** The environment, for ODIN_KAFKA_SASL_PASSWORD. */
  env: NodeJS.ProcessEnv;
  /** Where a warning about the password file goes (a log). */
  warn?: (message: string) => void;
  /** OAUTHBEARER tokens; default: the GCP metadata server's token for the VM's service account. */
  oauthTokenProvider?: OAuthTokenProvider;
}

export function loadSaslOptions(sasl: KafkaSaslConfig, secrets: SaslSecrets): SASLOptions {
  if (sasl.mechanism === 'oauthbearer') {
    return { mechanism: 'oauthbearer', oauthBearerProvider: secrets.oauthTokenProvider ?? gcpAccessTokenProvider() };
  }
  return { mechanism: sasl.mechanism, username: sasl.username, password: readPassword(sasl.passwordFile, secrets) };
}

function readPassword(file: string | undefined, { env, warn }: SaslSecrets): string {
  const password = file === undefined ? env['ODIN_KAFKA_SASL_PASSWORD'] : readSecretFile(file, '--kafka-sasl-password-file', 'E_KAFKA_CONFIG', warn);
  if (password === undefined || password === '') {
    const where = file === undefined ? 'ODIN_KAFKA_SASL_PASSWORD is not set' : `--kafka-sasl-password-file ${file} is empty`;
    throw new OdinError('E_KAFKA_CONFIG', `a SASL password is needed: ${where} (give --kafka-sasl-password-file or ODIN_KAFKA_SASL_PASSWORD)`, { file });
  }
  return password;
}

function readPem(file: string, flag: string, label: 'CERTIFICATE' | 'PRIVATE KEY'): string {
  const text = readSettingFile(file, flag, 'E_KAFKA_CONFIG');
  // "PRIVATE KEY" also matches RSA, EC and ENCRYPTED private keys.
  if (!new RegExp(`-----BEGIN [A-Z ]*${label}-----`).test(text)) {
    throw new OdinError('E_KAFKA_CONFIG', `${flag} ${file}: not a PEM ${label.toLowerCase()} (no "-----BEGIN ...${label}-----" line)`, { flag, file });
  }
  return text;
}

/** Every certificate in a PEM bundle must parse: a damaged CA file would otherwise fail every handshake later. */
function checkCertificates(pem: string, file: string, flag: string): void {
  for (const block of pem.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? []) {
    try {
      new X509Certificate(block);
    } catch (error) {
      throw new OdinError('E_KAFKA_CONFIG', `${flag} ${file}: a certificate in it does not parse (${describeError(error)})`, { flag, file });
    }
  }
}
