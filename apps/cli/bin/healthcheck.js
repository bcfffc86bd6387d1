#!/usr/bin/env node
// The container's HEALTHCHECK: exit 0 when this container's odin-ws answers its public /health
// (liveness), 1 otherwise. The mode comes from the arguments given here or, with none, from the
// command line of the container's main process (PID 1), so one image serves every mode. The feed
// serves no HTTP: it is alive while it runs.
import { readFileSync } from 'node:fs';
import { optionValuesFromEnvironment } from '@odin-ws/config';

const args = process.argv.length > 2 ? process.argv.slice(2) : readFileSync('/proc/1/cmdline', 'utf8').split('\0');
const flag = (name) => args.find((arg) => arg.startsWith(`${name}=`))?.slice(name.length + 1);
// The ports as odin-ws itself reads them: a flag, else its ODIN_* variable, else the default.
const settings = optionValuesFromEnvironment(process.env);
const ports = { shard: flag('--port') ?? settings.port, loadbalancer: flag('--lb-port') ?? settings.lbPort };
const port = ports[flag('--mode')];
if (port === undefined) process.exit(0);
try {
  const response = await fetch(`http://127.0.0.1:${port}/health`, { signal: AbortSignal.timeout(2000) });
  process.exit(response.ok ? 0 : 1);
} catch (error) {
  console.error(`odin-ws healthcheck: no answer on 127.0.0.1:${port}/health (${error.cause?.code ?? error.name})`);
  process.exit(1);
}
