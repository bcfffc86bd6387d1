import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { KafkaConnection } from '@odin-ws/kafka';
import { KAFKA_SCRIPT } from './paths.js';
import { stablePortRange } from './ports.js';

/** A broker of its own for a test (scripts/kafka.sh under its own name and free ports), so stopping it disturbs no other test. */
export interface LocalBroker {
  brokers: string;
  /** The secure broker's CA and password files (scripts/kafka/secure.sh); undefined for a plain one. */
  secrets: string | undefined;
  up(): Promise<void>;
  down(options?: { wipe?: boolean }): Promise<void>;
}

export async function localBroker(name: string, options: { secure?: boolean } = {}): Promise<LocalBroker> {
  // Two consecutive ports: the broker's and its KRaft controller's. Kept across restarts.
  const port = await stablePortRange(2);
  const base = ['--name', name, '--port', String(port), '--topics', '', ...(options.secure ? ['--secure'] : [])];
  const state = process.env['ODIN_KAFKA_STATE'] ?? join(KAFKA_SCRIPT, '..', '..', '.kafka');
  return {
    brokers: `127.0.0.1:${port}`,
    secrets: options.secure ? join(state, name, 'secrets') : undefined,
    up: () => kafkaScript('up', base),
    down: ({ wipe = false } = {}) => kafkaScript('down', [...base, ...(wipe ? ['--wipe'] : [])]),
  };
}

/** Async on purpose: a blocking spawnSync would stall the vitest worker for the broker's whole start-up. */
function kafkaScript(command: 'up' | 'down', args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn('bash', [KAFKA_SCRIPT, command, ...args], { stdio: 'inherit' });
    child.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`kafka.sh ${command} exited ${code}`))));
  });
}

export type SecureMechanism = 'plain' | 'scram-sha-256' | 'scram-sha-512';

/** How user "odin" reaches a secure local broker: TLS with its CA, SASL with the password file. */
export function secureConnection(broker: LocalBroker, mechanism: SecureMechanism = 'scram-sha-512'): KafkaConnection {
  const secrets = broker.secrets!;
  return {
    brokers: [broker.brokers],
    tls: { caFile: join(secrets, 'ca.pem'), certFile: undefined, keyFile: undefined, verifyHostname: true },
    sasl: { mechanism, username: 'odin', passwordFile: join(secrets, 'odin.password') },
  };
}

/** The shard flags for the same. */
export function secureShardArgs(broker: LocalBroker, mechanism: SecureMechanism = 'scram-sha-512'): string[] {
  const secrets = broker.secrets!;
  return [
    '--kafka-ssl',
    `--kafka-ssl-ca-file=${join(secrets, 'ca.pem')}`,
    `--kafka-sasl-mechanism=${mechanism}`,
    '--kafka-sasl-username=odin',
    `--kafka-sasl-password-file=${join(secrets, 'odin.password')}`,
  ];
}

/**
 * kcat, a producer we did not write, producing one line per record (`key|value`) with a codec.
 * Against a secure broker its settings go in a config file (mode 600), never on its command line.
 */
export function kcatProduce(brokers: string, topic: string, lines: string[], options: { compression?: string; secure?: LocalBroker } = {}): void {
  const args = ['-P', '-b', brokers, '-t', topic, '-K', '|', '-z', options.compression ?? 'none'];
  if (options.secure) args.push('-F', kcatConfig(options.secure));
  const result = spawnSync('kcat', args, { input: `${lines.join('\n')}\n`, encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`kcat exited ${result.status}: ${result.stderr}`);
}

function kcatConfig(broker: LocalBroker): string {
  const secrets = broker.secrets!;
  const file = join(mkdtempSync(join(tmpdir(), 'odin-kcat-')), 'kcat.conf');
  const password = readFileSync(join(secrets, 'odin.password'), 'utf8').trim();
  writeFileSync(
    file,
    [
      'security.protocol=SASL_SSL',
      'sasl.mechanisms=SCRAM-SHA-512',
      'sasl.username=odin',
      `sasl.password=${password}`,
      `ssl.ca.location=${join(secrets, 'ca.pem')}`,
    ].join('\n'),
  );
  chmodSync(file, 0o600);
  return file;
}
