import { copyFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { assertSupportedNode, SUPPORTED_RUNTIME } from './runtime.js';
import { loadNativeUws, sha256OfFile, UWS_PACKAGE, uwsBinaryPath } from './uws.js';

describe('loadNativeUws', () => {
  it('loads the native binary on this machine', () => {
    const uws = loadNativeUws();
    expect(typeof uws.App).toBe('function');
    expect(typeof uws.us_listen_socket_close).toBe('function');
  });

  it('refuses a binary whose sha256 is not the recorded one, naming both hashes, before loading any of it', () => {
    const dir = mkdtempSync(join(tmpdir(), 'odin-uws-'));
    const tampered = join(dir, UWS_PACKAGE.binary);
    copyFileSync(uwsBinaryPath(), tampered);
    writeFileSync(tampered, Buffer.from([0]), { flag: 'a' });
    const actual = sha256OfFile(tampered);
    expect(() => loadNativeUws(undefined, tampered)).toThrowError(
      expect.objectContaining({
        code: 'E_UWS_BINARY_MISMATCH',
        message: expect.stringContaining(`its sha256 is ${actual}, the recorded one ${UWS_PACKAGE.sha256}`),
      }),
    );
    // A file of a name no supported platform loads has no recorded hash: refused too.
    const stranger = join(dir, 'uws_sunos_x64_137.node');
    copyFileSync(uwsBinaryPath(), stranger);
    expect(() => loadNativeUws(undefined, stranger)).toThrowError(
      expect.objectContaining({ code: 'E_UWS_BINARY_MISMATCH', details: expect.objectContaining({ recorded: null }) }),
    );
  });

  it('records a hash for every binary a supported platform loads, and the linux-x64 one is the released one', () => {
    expect(Object.keys(UWS_PACKAGE.sha256s).sort()).toEqual(
      ['darwin_arm64', 'darwin_x64', 'linux_arm64', 'linux_x64'].map((target) => `uws_${target}_${SUPPORTED_RUNTIME.abi}.node`),
    );
    for (const [name, sha256] of Object.entries(UWS_PACKAGE.sha256s)) expect(sha256OfFile(join(dirname(uwsBinaryPath()), name)), name).toBe(sha256);
  });

  it('refuses to start, with a coded error, where no native binary exists instead of falling back to pure JS', () => {
    expect(() => loadNativeUws({ platform: process.platform, arch: process.arch, abi: '999' })).toThrowError(
      expect.objectContaining({ code: 'E_UWS_NATIVE_UNAVAILABLE', details: expect.objectContaining({ abi: '999' }) }),
    );
  });
});

describe('the pinned uWS build (provenance: docs/deploy.md#runtime)', () => {
  it('is the exact package version recorded in UWS_PACKAGE', () => {
    // The package's exports map hides package.json; it sits beside the entry point.
    const pkg = JSON.parse(readFileSync(join(dirname(createRequire(import.meta.url).resolve(UWS_PACKAGE.name)), 'package.json'), 'utf8'));
    expect(pkg.version).toBe(UWS_PACKAGE.version);
    const shardPackage = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8'));
    expect(shardPackage.dependencies[UWS_PACKAGE.name]).toBe(UWS_PACKAGE.version);
  });

  it('has the recorded sha256 for the binary this runtime loads', () => {
    const binary = uwsBinaryPath();
    expect(binary.endsWith(`/${UWS_PACKAGE.binary}`)).toBe(true);
    expect(sha256OfFile(binary)).toBe(UWS_PACKAGE.sha256);
  });
});

describe('assertSupportedNode', () => {
  it('accepts this runtime, which is the supported one', () => {
    expect(process.versions.modules).toBe(SUPPORTED_RUNTIME.abi);
    expect(Number(process.versions.node.split('.')[0])).toBe(SUPPORTED_RUNTIME.nodeMajor);
    expect(() => assertSupportedNode()).not.toThrow();
  });

  it.each([
    ['Node 20', '20.20.2', '115'],
    ['Node 22', '22.23.0', '127'],
    ['Node 25', '25.1.0', '141'],
  ])('refuses %s with a coded error naming the supported runtime', (_label, node, abi) => {
    expect(() => assertSupportedNode({ ...process.versions, node, modules: abi })).toThrowError(
      expect.objectContaining({ code: 'E_NODE_UNSUPPORTED', message: expect.stringContaining('Node 24 LTS'), details: { node, abi } }),
    );
  });
});
