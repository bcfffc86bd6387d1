import { describeError } from '@odin-ws/errors';

/**
 * `odin-ws --version`: one line each for odin-ws, Node and uWS. The uWS binary is loaded, so a
 * binary that would not load shows its reason here. The tiers' code is imported only now, so this
 * answers on any Node, even one whose own modules the tiers' code cannot link against.
 */
export async function versionText(): Promise<string> {
  const [{ runtimeFacts }, { loadNativeUws, UWS_PACKAGE }] = await Promise.all([import('./runtime-facts.js'), import('@odin-ws/shard')]);
  const facts = runtimeFacts();
  let uws: string;
  try {
    loadNativeUws();
    uws = `uWebSockets.js ${UWS_PACKAGE.version} (${facts.uws}, native binary ${facts.uwsBinary})`;
  } catch (error) {
    uws = `uWebSockets.js ${UWS_PACKAGE.version}: does not load on this Node (${describeError(error)})`;
  }
  return [`odin-ws ${facts.odinWs}`, `node ${facts.node} (ABI ${facts.abi}, glibc ${facts.glibc})`, uws].join('\n');
}

/** `-V`/`--version` anywhere among the arguments: answered before anything is parsed or checked. */
export function asksForVersion(args: readonly string[]): boolean {
  return args.some((arg) => arg === '-V' || arg === '--version');
}
