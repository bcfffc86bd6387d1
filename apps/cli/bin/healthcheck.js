#!/usr/bin/env node
// The container's HEALTHCHECK: exit 0 when this container's odin-ws answers its public /health
// (liveness), 1 otherwise. The mode comes from the arguments given here or, with none, from the
// command line of the container's main process (PID 1), so one image serves every mode. The feed
// serves no HTTP: it is alive while it runs.
import { readFileSync } from 'node:fs';

const args = process.argv.length > 2 ? process.argv.slice(2) : readFileSync('/proc/1/cmdline', 'utf8').split('\0');
const mode = args.find((arg) => arg.startsWith('--mode='))?.slice('--mode='.length);
const ports = { shard: process.env.ODIN_PORT ?? '3002', loadbalancer: process.env.ODIN_LB_PORT ?? '3001' };
const port = ports[mode];
if (port === undefined) process.exit(0);
try {
  const response = await fetch(`http://127.0.0.1:${port}/health`, { signal: AbortSignal.timeout(2000) });
  process.exit(response.ok ? 0 : 1);
} catch (error) {
  console.error(`odin-ws healthcheck: no answer on 127.0.0.1:${port}/health (${error.cause?.code ?? error.name})`);
  process.exit(1);
}
