import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { LocalConfig } from '@odin-ws/config';
import { OdinError } from '@odin-ws/errors';
import { createLogger, type Logger } from '@odin-ws/observability';
import { startTickerPage } from '@odin-ws/ticker';
import { logRuntime } from '../runtime-facts.js';
import { exitAfterDrainOnSignal } from '../shutdown.js';
import { demoTokenMinter } from './demo-token.js';

const KAFKA_SCRIPT = fileURLToPath(new URL('../../../../scripts/kafka.sh', import.meta.url));
const LOCAL_BROKER = '127.0.0.1:9092';
const BROKER_STOP_MARGIN_S = 15;

/**
 * A whole fleet on this machine, each part its own process: a Kafka broker (only when no
 * --kafka-brokers/ODIN_KAFKA_BROKERS was given), the demo feed, `shards` shard processes and the
 * load balancer (its workers) in front of them; plus, in this process, the live ticker page.
 * Children get this process's own arguments plus their mode, so every flag given here reaches them.
 */
export async function runLocalMode(config: LocalConfig, argv: string[]): Promise<void> {
  const logger = createLogger({ level: config.shard.logLevel, base: { mode: 'local' } });
  logRuntime(logger);
  // First, so a taken --web-port fails the start before any child process exists.
  const mintDemoToken = demoTokenMinter(config.shard.access.auth, config.feed.symbols);
  const page = await startTickerPage({
    host: config.loadBalancer.host,
    port: config.webPort,
    wsPort: config.loadBalancer.port,
    symbols: config.feed.symbols,
    ...(mintDemoToken ? { mintDemoToken } : {}),
  });
  const secrets = handOffKafkaPassword(process.env);
  const startedBroker = config.startKafka && startLocalBroker(logger, secrets.env);
  const kafkaArgs = config.startKafka ? [`--kafka-brokers=${LOCAL_BROKER}`] : [];
  const children: ChildProcess[] = [];
  let stopping = false;
  const spawnChild = (name: string, args: string[]) => {
    // Own process group: Ctrl-C reaches only this process, which then asks each child once to drain.
    // (In our group, a child would get the terminal's SIGINT and our SIGTERM: two signals, no drain.)
    const child = spawn(process.execPath, [process.argv[1]!, ...argv, ...kafkaArgs, ...secrets.args, ...args], {
      stdio: 'inherit',
      detached: true,
      env: secrets.env,
    });
    child.on('exit', (code, signal) => {
      if (!stopping) logger.error({ child: name, code, signal }, 'child process exited');
    });
    children.push(child);
  };
  for (let i = 0; i < config.shards; i++) {
    spawnChild(`shard-${i}`, ['--mode=shard', `--port=${config.basePort + i}`, `--shard-id=shard-${i}`]);
  }
  spawnChild('feed', ['--mode=feed', '--duration=0']);
  spawnChild('loadbalancer', ['--mode=loadbalancer', `--backend-urls=${config.loadBalancer.shardUrls.join(',')}`]);
  logger.info(
    {
      url: `ws://127.0.0.1:${config.loadBalancer.port}/ws`,
      page: `http://127.0.0.1:${config.webPort}/`,
      shards: config.loadBalancer.shardUrls,
      feedRate: config.feed.rate,
    },
    'local fleet starting; open the page for the live ticker, or connect a WebSocket client to the load balancer url',
  );

  // Children drain within their own --drain-timeout; the margin covers stopping the broker.
  exitAfterDrainOnSignal(logger, (config.loadBalancer.drainTimeoutS + BROKER_STOP_MARGIN_S) * 1000, async () => {
    stopping = true;
    logger.info('stopping local fleet');
    page.close();
    await Promise.all(children.map((child) => stopChild(child)));
    secrets.remove();
    if (startedBroker) spawnSync('bash', [KAFKA_SCRIPT, 'down'], { stdio: 'inherit', env: secrets.env });
  });
  // Detached children would outlive an unexpected exit of this process.
  process.on('exit', () => {
    for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
    secrets.remove();
  });
}

/**
 * ODIN_KAFKA_SASL_PASSWORD, handed to the children as a file only this user may read
 * (--kafka-sasl-password-file), and scrubbed from their environment: a variable is inherited by
 * every process they start, and is one `cat /proc/<pid>/environ` away for as long as each runs.
 */
export function handOffKafkaPassword(env: NodeJS.ProcessEnv): { env: NodeJS.ProcessEnv; args: string[]; remove(): void } {
  const { ODIN_KAFKA_SASL_PASSWORD: password, ...scrubbed } = env;
  if (password === undefined) return { env: scrubbed, args: [], remove: () => undefined };
  const folder = mkdtempSync(join(tmpdir(), 'odin-ws-local-'));
  const file = join(folder, 'kafka-sasl-password');
  writeFileSync(file, password, { mode: 0o600 });
  return { env: scrubbed, args: [`--kafka-sasl-password-file=${file}`], remove: () => rmSync(folder, { recursive: true, force: true }) };
}

/** Starts the local broker unless one already runs; true when this process started it. */
function startLocalBroker(logger: Logger, env: NodeJS.ProcessEnv): boolean {
  const running = spawnSync('bash', [KAFKA_SCRIPT, 'status'], { stdio: 'ignore', env }).status === 0;
  if (running) return false;
  logger.info('no Kafka configured: starting a local broker on 127.0.0.1:9092 (scripts/kafka.sh)');
  const result = spawnSync('bash', [KAFKA_SCRIPT, 'up'], { stdio: 'inherit', env });
  if (result.status !== 0) throw new OdinError('E_LOCAL_BROKER_FAILED', `scripts/kafka.sh up failed with status ${result.status}`, { status: result.status });
  return true;
}

function stopChild(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
  });
}
