import { readFileSync } from 'node:fs';
import type { Logger } from '@odin-ws/observability';
import { runtimeGlibc, UWS_PACKAGE, uwsBinaryPath } from '@odin-ws/shard';

export const ODIN_WS_VERSION: string = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')).version;

/** What this process runs on: the facts `--version` prints and every mode logs once at start. */
export function runtimeFacts() {
  return {
    odinWs: ODIN_WS_VERSION,
    node: process.version,
    abi: process.versions.modules,
    glibc: runtimeGlibc(),
    uws: `${UWS_PACKAGE.name}@${UWS_PACKAGE.version}`,
    uwsBinary: uwsBinaryPath(),
  };
}

export function logRuntime(logger: Logger): void {
  logger.info(runtimeFacts(), `odin-ws ${ODIN_WS_VERSION} on Node ${process.version}`);
}
