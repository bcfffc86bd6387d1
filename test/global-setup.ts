import { spawnSync } from 'node:child_process';
import { connect } from 'node:net';
import { fileURLToPath } from 'node:url';

const KAFKA_SCRIPT = fileURLToPath(new URL('../scripts/kafka.sh', import.meta.url));

/**
 * The suite needs a real broker. Use KAFKA_BROKERS when given; otherwise start the local one
 * (scripts/kafka.sh, cached jars) unless it already runs, and stop it afterwards if we started it.
 */
export async function setup(): Promise<() => void> {
  if (process.env['KAFKA_BROKERS']) return () => undefined;
  if (await answers('127.0.0.1', 9092)) return () => undefined;
  const up = spawnSync('bash', [KAFKA_SCRIPT, 'up'], { stdio: 'inherit', timeout: 600_000 });
  if (up.status !== 0) throw new Error(`could not start the local Kafka broker (scripts/kafka.sh up exited ${up.status})`);
  return () => {
    spawnSync('bash', [KAFKA_SCRIPT, 'down'], { stdio: 'inherit' });
  };
}

function answers(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port, timeout: 1000 });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
    socket.once('timeout', () => {
      socket.destroy();
      resolve(false);
    });
  });
}
