import type { ChildProcess } from 'node:child_process';
import { get } from 'node:http';
import { spawnCli } from './cli-process.js';
import { freePort } from './ports.js';
import { waitFor } from './wait.js';

export interface LoadBalancerProcess {
  port: number;
  url: string;
  httpUrl: string;
  /** The private ops surface (/metrics, the detailed /health). */
  opsUrl: string;
  child: ChildProcess;
  output(): string;
  health(): Promise<{ shards: Array<Record<string, unknown>> } & Record<string, unknown>>;
  metrics(): Promise<string>;
  /**
   * Resolves once every worker sees `count` shards ready (default: every shard it lists). Each
   * worker polls the shards on its own, and `health()` may reuse a connection to one worker, so
   * one answer says nothing of the others.
   */
  waitForShardsReady(count?: number, timeoutMs?: number): Promise<void>;
  stop(signal?: NodeJS.Signals): Promise<void>;
}

/** Starts `odin-ws --mode=loadbalancer` (its workers included) on a free loopback port, or on `port`. */
export async function startLoadBalancerProcess(options: {
  backendUrls?: string[];
  args?: string[];
  workers?: number;
  port?: number;
  /** The ops surface's port; default a free one. */
  adminPort?: number;
}): Promise<LoadBalancerProcess> {
  const port = options.port ?? (await freePort());
  const adminPort = options.adminPort ?? (await freePort());
  const workers = options.workers ?? 2;
  const { child, output, exited } = spawnCli([
    '--mode=loadbalancer',
    '--host=127.0.0.1',
    `--lb-port=${port}`,
    `--admin-port=${adminPort}`,
    ...(options.backendUrls ? [`--backend-urls=${options.backendUrls.join(',')}`] : []),
    `--lb-workers=${workers}`,
    '--health-interval=200',
    '--drain-timeout=2',
    '--log-level=warn',
    ...(options.args ?? []),
  ]);
  const httpUrl = `http://127.0.0.1:${port}`;
  const opsUrl = `http://127.0.0.1:${adminPort}`;
  const lb: LoadBalancerProcess = {
    port,
    url: `ws://127.0.0.1:${port}/ws`,
    httpUrl,
    opsUrl,
    child,
    output,
    health: async () => (await fetch(`${opsUrl}/health`)).json() as never,
    metrics: async () => (await fetch(`${opsUrl}/metrics`)).text(),
    waitForShardsReady: async (count, timeoutMs = 20_000) => {
      const seenReady = new Set<number>();
      await waitFor(
        `every worker of the load balancer to see ${count ?? 'every'} shard(s) ready`,
        async () => {
          const health = await healthOnNewConnection(`${opsUrl}/health`);
          const ready = health.shards.filter((shard) => shard['ready'] === true).length;
          if (ready === (count ?? health.shards.length)) seenReady.add(health.pid);
          return seenReady.size >= workers;
        },
        timeoutMs,
        50,
      );
    },
    // Workers exit by themselves when the primary dies (their IPC channel closes), so killing the
    // primary is enough.
    stop: async (signal = 'SIGKILL') => {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      await exited;
    },
  };
  await waitFor(
    'the load balancer to listen',
    async () => {
      if (child.exitCode !== null) throw new Error(`load balancer exited early:\n${output()}`);
      return (await fetch(`${httpUrl}/health`)).ok;
    },
    20_000,
    100,
  );
  return lb;
}

/** The detailed /health over a connection of its own: the kernel hands new connections to the workers in turn. */
function healthOnNewConnection(url: string): Promise<{ pid: number; shards: Array<Record<string, unknown>> }> {
  return new Promise((resolve, reject) => {
    get(url, { agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        body += chunk;
      });
      res.on('end', () => {
        try {
          resolve(JSON.parse(body));
        } catch (error) {
          reject(error);
        }
      });
    }).on('error', reject);
  });
}
