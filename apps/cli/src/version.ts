import { readFileSync } from 'node:fs';
import { describeError } from '@odin-ws/errors';
import type { Logger } from '@odin-ws/observability';
import { loadNativeUws, runtimeGlibc, UWS_PACKAGE, uwsBinaryPath } from '@odin-ws/shard';

const ODIN_WS_VERSION: string = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')).version;

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

/**
 * `odin-ws --version`: one line each for odin-ws, Node and uWS. The uWS binary is loaded, so a
 * binary that would not load shows here as the coded start-up error, not as a version.
 */
export function versionText(): string {
  const facts = runtimeFacts();
  return [`odin-ws ${facts.odinWs}`, `node ${facts.node} (ABI ${facts.abi}, glibc ${facts.glibc})`, uwsLine(facts)].join('\n');
}

/** The uWS line; on a Node it does not load on, why (a version query answers on any Node). */
function uwsLine(facts: ReturnType<typeof runtimeFacts>): string {
  try {
    loadNativeUws();
    return `uWebSockets.js ${UWS_PACKAGE.version} (${facts.uws}, native binary ${facts.uwsBinary})`;
  } catch (error) {
    return `uWebSockets.js ${UWS_PACKAGE.version}: does not load on this Node (${describeError(error)})`;
  }
}

export function logRuntime(logger: Logger): void {
  logger.info(runtimeFacts(), `odin-ws ${ODIN_WS_VERSION} on Node ${process.version}`);
}
