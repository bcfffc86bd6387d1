import { spawn, type ChildProcess } from 'node:child_process';
import { CLI_PATH } from './paths.js';
import { freePort } from './ports.js';
import { waitFor } from './wait.js';

export interface LoadBalancerProcess {
  port: number;
  url: string;
  httpUrl: string;
  child: ChildProcess;
  output(): string;
  health(): Promise<{ shards: Array<Record<string, unknown>> } & Record<string, unknown>>;
  metrics(): Promise<string>;
  stop(signal?: NodeJS.Signals): Promise<void>;
}

/** Starts `odin-ws --mode=loadbalancer` (its workers included) on a free loopback port. */
export async function startLoadBalancerProcess(options: { backendUrls: string[]; args?: string[]; workers?: number }): Promise<LoadBalancerProcess> {
  const port = await freePort();
  const child = spawn(
    process.execPath,
    [
      CLI_PATH,
      '--mode=loadbalancer',
      '--host=127.0.0.1',
      `--lb-port=${port}`,
      `--backend-urls=${options.backendUrls.join(',')}`,
      `--lb-workers=${options.workers ?? 2}`,
      '--health-interval=200',
      '--drain-timeout=2',
      '--log-level=warn',
      ...(options.args ?? []),
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const httpUrl = `http://127.0.0.1:${port}`;
  const lb: LoadBalancerProcess = {
    port,
    url: `ws://127.0.0.1:${port}/ws`,
    httpUrl,
    child,
    output: () => output,
    health: async () => (await fetch(`${httpUrl}/health`)).json() as never,
    metrics: async () => (await fetch(`${httpUrl}/metrics`)).text(),
    stop: async (signal = 'SIGKILL') => {
      if (child.exitCode === null && child.signalCode === null) {
        // SIGKILL of the primary alone would orphan its workers: signal the whole group is not
        // possible from here, so ask politely first and then insist.
        child.kill(signal === 'SIGKILL' ? 'SIGTERM' : signal);
        const timer = setTimeout(() => child.kill('SIGKILL'), 3000);
        await exited;
        clearTimeout(timer);
      }
    },
  };
  await waitFor('the load balancer to listen', async () => {
    if (child.exitCode !== null) throw new Error(`load balancer exited early:\n${output}`);
    return (await fetch(`${httpUrl}/health`)).ok;
  }, 20_000, 100);
  return lb;
}
