import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { acceptsConnections, freePort, waitFor } from '@odin-ws/testkit';
import { childPids } from './process-memory.js';
import type { RunningProxy } from './running-proxy.js';

// The built script, also when this module runs from src/ under vitest (as loadgen/pool.ts does).
const RELAY_SCRIPT = fileURLToPath(new URL('../dist/node-relay-process.js', import.meta.url));

/** node-relay-process.ts, started: its primary and workers are the proxy's processes. */
export async function startNodeRelay(shardUrls: string[], workers: number): Promise<RunningProxy> {
  const port = await freePort();
  const hosts = shardUrls.map((url) => new URL(url).host);
  const child: ChildProcess = spawn(process.execPath, [RELAY_SCRIPT, String(port), String(workers), ...hosts], { stdio: ['ignore', 'ignore', 'inherit'] });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  await waitFor('the node relay to listen', async () => {
    if (child.exitCode !== null) throw new Error(`the node relay exited with code ${child.exitCode}`);
    return acceptsConnections(port);
  });
  return {
    url: `ws://127.0.0.1:${port}/ws`,
    pids: () => [child.pid!, ...childPids(child.pid!)],
    stop: async () => {
      if (child.exitCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}
