// Which Node odin-ws runs on, on this machine: the decision setup.sh acts on. Plain JavaScript that
// any Node since 18 runs, because it runs on the Node that runs pnpm, before there is a runtime.
// decideRuntime is a pure function of the machine's facts, so the platforms CI cannot run (macOS,
// Linux arm64, older glibc) are covered by a table test (decide.test.ts).
//
// Run as a script, it gathers this machine's facts and prints `kind<TAB>node<TAB>message` (node `-`: none).

import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Architectures whose Debian 13 sysroot packages pinned.txt pins (its `deb` lines are amd64's). */
export const SYSROOT_ARCHS = ['x64'];
/** Architectures with a pinned Node package (node-linux-<arch>, an optional dependency). */
export const PINNED_ARCHS = ['x64', 'arm64'];

const INSTALL_NODE =
  'install Node {major} (nvm install {major}, fnm install, or brew install node@{major}; .node-version says which) and run pnpm install again';

/** What to run on, from the machine's facts (types: decide.d.mts); the order is setup.sh's header. */
export function decideRuntime({ os, arch, glibc, hostNode, pinnedNode, required, force }) {
  const major = required.nodeMajor;
  const install = INSTALL_NODE.replaceAll('{major}', String(major));
  // 1. A Node of the supported major that loads the uWS binary: nothing to fetch (macOS, a new Linux, the dev container).
  if (force !== 'pinned' && hostNode && majorOf(hostNode.version) === major && hostNode.loadsUws) {
    return { kind: 'host', node: hostNode.path, message: `the host's Node ${hostNode.version} (${hostNode.path})` };
  }
  if (force === 'host') {
    const found = hostNode ? `Node ${hostNode.version}${majorOf(hostNode.version) === major ? ', which does not load the uWS binary' : ''}` : 'no Node';
    return unavailable(`ODIN_RUNTIME=host, but the host has ${found}: ${install}, or unset ODIN_RUNTIME`);
  }
  if (os === 'darwin') return unavailable(`macOS needs the host's Node ${major} (this is ${hostNode ? `Node ${hostNode.version}` : 'no Node'}): ${install}`);
  if (os === 'win32') return unavailable(`Windows is not supported directly: use WSL 2 (Ubuntu 24.04) or the dev container (.devcontainer)`);
  if (os !== 'linux') return unavailable(`${os} is not supported: use Linux (x64 or arm64), macOS, or the dev container (.devcontainer)`);
  if (!PINNED_ARCHS.includes(arch)) return unavailable(`no Node ${major} is pinned for linux-${arch}: use an x64 or arm64 machine, or ${install}`);
  if (glibc === undefined) {
    return unavailable(
      `this Linux has no glibc (musl, e.g. Alpine): the uWS binary needs glibc ${required.minGlibc} or newer; use a Debian 13 or Ubuntu 24.04 base (node:${major}-trixie-slim)`,
    );
  }
  if (pinnedNode === undefined) {
    return unavailable(`node-linux-${arch} (an optional dependency) is not installed: run pnpm install without --no-optional, or ${install}`);
  }
  // 2. The pinned Node, where the host's glibc is new enough for the uWS binary.
  if (!olderThan(glibc, required.minGlibc)) return { kind: 'pinned', node: pinnedNode, message: `the pinned Node on the host's glibc ${glibc}` };
  // 3. The pinned Node on Debian 13's C runtime, fetched into .runtime/sysroot.
  if (SYSROOT_ARCHS.includes(arch)) return { kind: 'sysroot', node: pinnedNode, message: `the pinned Node on Debian 13's glibc (the host has ${glibc})` };
  return unavailable(
    `glibc ${glibc} is older than the ${required.minGlibc} the uWS binary needs, and no Debian 13 sysroot is pinned for ${arch}: use a newer host (Debian 13, Ubuntu 24.04) or the dev container (.devcontainer)`,
  );
}

function unavailable(message) {
  return { kind: 'unavailable', message };
}

/** @param {string} version e.g. `24.22.3` or `v24.22.3` */
function majorOf(version) {
  return Number(version.replace(/^v/, '').split('.')[0]);
}

/** Whether glibc version a is older than b (`2.36` < `2.38` < `2.41`). */
function olderThan(a, b) {
  const [aMajor = 0, aMinor = 0] = a.split('.').map(Number);
  const [bMajor = 0, bMinor = 0] = b.split('.').map(Number);
  return aMajor < bMajor || (aMajor === bMajor && aMinor < bMinor);
}

/** This machine's facts, seen from the Node running this script (the one that runs pnpm). */
function gatherFacts(here) {
  const required = JSON.parse(readFileSync(join(here, '../shard/supported-runtime.json'), 'utf8'));
  const report = process.report?.getReport();
  const glibc = process.platform === 'linux' ? report?.header?.glibcVersionRuntime : undefined;
  const pinned = join(here, `node_modules/node-linux-${process.arch}/bin/node`);
  const force = ['host', 'pinned'].includes(process.env.ODIN_RUNTIME ?? '') ? process.env.ODIN_RUNTIME : 'auto';
  return {
    os: process.platform,
    arch: process.arch,
    glibc,
    hostNode: { version: process.version, path: process.execPath, loadsUws: loadsUws(here) },
    pinnedNode: existsSync(pinned) ? pinned : undefined,
    required,
    force,
  };
}

/** Whether this Node loads the uWS package's binary for its platform and ABI (in a child: a failed dlopen stays there). */
function loadsUws(here) {
  const uws = join(here, '../shard/node_modules/@btc-vision/uwebsockets.js');
  const binary = join(uws, `uws_${process.platform}_${process.arch}_${process.versions.modules}.node`);
  if (!existsSync(binary)) return false;
  const probe = spawnSync(process.execPath, ['-e', `require(${JSON.stringify(binary)})`], { stdio: 'ignore', timeout: 20_000 });
  return probe.status === 0;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const decision = decideRuntime(gatherFacts(dirname(fileURLToPath(import.meta.url))));
  // `-` for no Node: bash's read collapses empty tab-separated fields.
  process.stdout.write(`${decision.kind}\t${decision.node ?? '-'}\t${decision.message}\n`);
}
