import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { acceptsConnections, freePort, waitFor } from '@odin-ws/testkit';
import type { RunningProxy } from './running-proxy.js';

/**
 * HAProxy as a reference proxy in front of the same shards: what a C proxy costs on the same cores.
 * Debian's package (`apt-get install haproxy`), `mode tcp` (it splices bytes without reading
 * WebSocket frames, like the odin-ws LB after the 101), `balance leastconn`, one thread per core.
 */
/** Its descriptors: two per proxied client, under this machine's 20,000 per process. */
const MAX_CONNECTIONS = 9_900;

export function haproxyConfig(port: number, shardUrls: string[], threads: number): string {
  const servers = shardUrls.map((url, i) => `  server shard${i + 1} ${new URL(url).host}`);
  return [
    'global',
    `  nbthread ${threads}`,
    `  maxconn ${MAX_CONNECTIONS}`,
    'defaults',
    '  mode tcp',
    '  timeout connect 5s',
    '  timeout client 1h',
    '  timeout server 1h',
    `  maxconn ${MAX_CONNECTIONS}`,
    'frontend clients',
    `  bind 127.0.0.1:${port}`,
    '  default_backend shards',
    'backend shards',
    '  balance leastconn',
    ...servers,
    '',
  ].join('\n');
}

export function haproxyInstalled(): boolean {
  return spawnSync('haproxy', ['-v'], { stdio: 'ignore' }).status === 0;
}

export async function startHaproxy(shardUrls: string[], threads = 2): Promise<RunningProxy> {
  if (!haproxyInstalled()) throw new Error('haproxy is not installed (apt-get install haproxy), or leave it out: --targets direct,lb');
  const dir = mkdtempSync(join(tmpdir(), 'odin-haproxy-'));
  const port = await freePort();
  const config = join(dir, 'haproxy.cfg');
  writeFileSync(config, haproxyConfig(port, shardUrls, threads));
  // -db: stay in the foreground, so its pid is the one process that does the work.
  const child: ChildProcess = spawn('haproxy', ['-db', '-f', config], { stdio: ['ignore', 'ignore', 'pipe'] });
  let errors = '';
  child.stderr!.on('data', (chunk) => (errors += chunk));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  await waitFor('haproxy to listen', async () => {
    if (child.exitCode !== null) throw new Error(`haproxy exited: ${errors}`);
    return acceptsConnections(port);
  });
  return {
    url: `ws://127.0.0.1:${port}/ws`,
    pids: () => [child.pid!],
    stop: async () => {
      if (child.exitCode === null) child.kill('SIGTERM');
      await exited;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
