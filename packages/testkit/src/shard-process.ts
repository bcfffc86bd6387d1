import type { ChildProcess } from 'node:child_process';
import { spawnCli } from './cli-process.js';
import { kafkaBrokers } from './kafka.js';
import { freePort } from './ports.js';
import { waitFor } from './wait.js';

export interface ShardProcess {
  port: number;
  shardId: string;
  url: string;
  httpUrl: string;
  /** The private ops surface (/metrics, the detailed /health), on its own free port. */
  opsUrl: string;
  child: ChildProcess;
  /** Everything the process wrote, stdout and stderr. */
  output(): string;
  health(): Promise<Record<string, unknown>>;
  metrics(): Promise<string>;
  /** Resolves with the exit code and signal. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  stop(signal?: NodeJS.Signals): Promise<void>;
}

export interface ShardProcessOptions {
  topics: string[];
  shardId?: string;
  /** Default: a free port. A fixed one restarts a shard where the load balancer expects it. */
  port?: number;
  /** The ops surface's port; default a free one. */
  adminPort?: number;
  brokers?: string;
  args?: string[];
  /** Wait until /ready answers 200 (consuming Kafka). Default true. */
  waitReady?: boolean;
}

/** Starts `odin-ws --mode=shard` as a child process on a free loopback port. */
export async function startShardProcess(options: ShardProcessOptions): Promise<ShardProcess> {
  const port = options.port ?? (await freePort());
  const adminPort = options.adminPort ?? (await freePort());
  const shardId = options.shardId ?? `test-shard-${port}`;
  const { child, output, exited } = spawnCli([
    '--mode=shard',
    '--host=127.0.0.1',
    `--port=${port}`,
    `--admin-port=${adminPort}`,
    `--shard-id=${shardId}`,
    `--kafka-brokers=${options.brokers ?? kafkaBrokers()}`,
    `--topics=${options.topics.join(',')}`,
    '--log-level=info',
    ...(options.args ?? []),
  ]);
  const httpUrl = `http://127.0.0.1:${port}`;
  const opsUrl = `http://127.0.0.1:${adminPort}`;
  const shard: ShardProcess = {
    port,
    shardId,
    url: `ws://127.0.0.1:${port}/ws`,
    httpUrl,
    opsUrl,
    child,
    output,
    health: async () => (await fetch(`${opsUrl}/health`)).json() as Promise<Record<string, unknown>>,
    metrics: async () => (await fetch(`${opsUrl}/metrics`)).text(),
    exited,
    stop: async (signal = 'SIGKILL') => {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      await exited;
    },
  };
  const ready = async () => (await fetch(`${httpUrl}/ready`)).status === 200;
  try {
    await waitFor(
      `shard ${shardId} to be ${options.waitReady === false ? 'listening' : 'ready'}`,
      async () => {
        if (child.exitCode !== null) throw new Error(`shard exited early:\n${output()}`);
        return options.waitReady === false ? (await fetch(`${opsUrl}/health`)).ok : ready();
      },
      30_000,
      100,
    );
  } catch (error) {
    await shard.stop();
    throw new Error(`${String(error)}\n--- shard output ---\n${output()}`);
  }
  return shard;
}

/** A metric's value from Prometheus text, summed over label sets matching `labels`. */
export function metricValue(text: string, name: string, labels: Record<string, string> = {}): number {
  let sum = 0;
  for (const line of text.split('\n')) {
    if (!line.startsWith(name)) continue;
    const match = /^([a-zA-Z_:][\w:]*)(\{[^}]*\})?\s+(\S+)$/.exec(line);
    if (!match || match[1] !== name) continue;
    const labelText = match[2] ?? '';
    if (Object.entries(labels).every(([key, value]) => labelText.includes(`${key}="${value}"`))) sum += Number(match[3]);
  }
  return sum;
}
