import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';

/**
 * Dependency hygiene that a lockfile can drift from unnoticed: one copy of each library the tests
 * and the users share, types of the versions that run, and nothing kept for a job Node does itself.
 */
const repo = new URL('../', import.meta.url).pathname;
const lockfile = parse(readFileSync(`${repo}pnpm-lock.yaml`, 'utf8')) as { packages: Record<string, unknown> };
const versionsOf = (name: string) =>
  new Set(
    Object.keys(lockfile.packages)
      .filter((key) => key.startsWith(`${name}@`))
      .map((key) => key.slice(name.length + 1).split('(')[0]),
  );
const json = (path: string) => JSON.parse(readFileSync(`${repo}${path}`, 'utf8'));

describe('dependencies', () => {
  it('has one ws: the tests speak to the servers with the version users get', () => {
    expect([...versionsOf('ws')]).toHaveLength(1);
  });

  it('types Node as the Node that runs (@types/node of the supported major, and no other)', () => {
    const { nodeMajor } = json('packages/shard/supported-runtime.json');
    expect([...versionsOf('@types/node')].map((version) => version!.split('.')[0])).toEqual([String(nodeMajor)]);
  });

  it('types opossum from the version installed, not @types/opossum (which stops at 8)', () => {
    expect(versionsOf('@types/opossum').size).toBe(0);
    const [installed] = [...versionsOf('opossum')];
    expect(readFileSync(`${repo}packages/loadbalancer/src/opossum.d.ts`, 'utf8')).toContain(`Types for opossum ${installed!.split('.')[0]},`);
  });

  it('compresses zstd with node:zlib, both ways (no fzstd)', () => {
    expect(versionsOf('fzstd').size).toBe(0);
  });
});
