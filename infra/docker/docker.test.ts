import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { OPTION_SPECS, shardUrlsParser } from '@odin-ws/config';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';

/**
 * No Docker engine runs here, so the image and the Compose file are checked by what can be checked
 * without one: the files parse, every path they mount or copy exists, every ODIN_* variable is a real
 * option with a valid value, and the Prometheus configuration passes promtool.
 */
const dir = new URL('./', import.meta.url).pathname;
const root = resolve(dir, '../..');
const compose = parse(readFileSync(join(dir, 'compose.yaml'), 'utf8'), { merge: true }) as {
  services: Record<string, { environment?: Record<string, string>; volumes?: string[]; command?: string[]; stop_grace_period?: string; image?: string }>;
};
const knownVariables = new Set(OPTION_SPECS.map((spec) => spec.env));

describe('infra/docker', () => {
  it('runs a broker, the feed, three shards, the load balancer, Prometheus and Grafana', () => {
    expect(Object.keys(compose.services).sort()).toEqual(['feed', 'grafana', 'kafka', 'loadbalancer', 'prometheus', 'shard-1', 'shard-2', 'shard-3']);
    for (const name of ['shard-1', 'shard-2', 'shard-3']) expect(compose.services[name]!.command).toContain('--mode=shard');
    expect(compose.services['loadbalancer']!.command).toEqual(['--mode=loadbalancer']);
  });

  it('sets only real ODIN_* options, with values the CLI accepts, and gives shards time to drain', () => {
    for (const [name, service] of Object.entries(compose.services)) {
      for (const key of Object.keys(service.environment ?? {}).filter((key) => key.startsWith('ODIN_')))
        expect(knownVariables.has(key), `${name}: ${key}`).toBe(true);
      if (service.image === 'odin-ws:local') expect(parseInt(service.stop_grace_period ?? '10s', 10), name).toBeGreaterThan(30);
    }
    const urls = shardUrlsParser()(compose.services['loadbalancer']!.environment!['ODIN_BACKEND_URLS']!);
    expect(urls.map((url) => new URL(url).hostname)).toEqual(['shard-1', 'shard-2', 'shard-3']);
  });

  it('mounts files that exist', () => {
    for (const [name, service] of Object.entries(compose.services)) {
      for (const volume of service.volumes ?? []) expect(existsSync(resolve(dir, volume.split(':')[0]!)), `${name}: ${volume}`).toBe(true);
    }
  });

  it('builds from paths that exist, runs the release on its own Node as a non-root user, and checks liveness', () => {
    const dockerfile = readFileSync(join(dir, 'Dockerfile'), 'utf8');
    // Every base image pinned by digest: a tag moves, a digest names bytes.
    expect(dockerfile).toMatch(/^FROM node:24-trixie-slim@sha256:[0-9a-f]{64} AS build$/m);
    expect([...dockerfile.matchAll(/^FROM (\S+)/gm)].map((match) => match[1]).filter((image) => !/@sha256:[0-9a-f]{64}$/.test(image!))).toEqual([]);
    // Multi-stage: the image that runs has neither npm nor the build's sources, and Debian 13's glibc.
    expect(dockerfile).toMatch(/^FROM debian:trixie-slim@sha256:[0-9a-f]{64}$/m);
    expect(dockerfile).toMatch(/^RUN bash scripts\/package-release\.sh /m);
    expect(dockerfile).toMatch(/^USER odin-ws$/m);
    expect(dockerfile).toMatch(/^ENTRYPOINT \["\/opt\/odin-ws\/runtime\/bin\/node", "\/opt\/odin-ws\/bin\/odin-ws.js"\]$/m);
    expect(dockerfile).toMatch(/^HEALTHCHECK .* CMD \["\/opt\/odin-ws\/runtime\/bin\/node", "\/opt\/odin-ws\/bin\/healthcheck.js"\]$/m);
    for (const [, source] of dockerfile.matchAll(/^COPY (?!--from)(\S+) /gm)) expect(existsSync(resolve(root, source!)), source).toBe(true);
    expect(readFileSync(join(root, '.dockerignore'), 'utf8')).toContain('**/node_modules');
    for (const bin of ['odin-ws.js', 'healthcheck.js']) expect(existsSync(join(root, 'apps/cli/bin', bin)), bin).toBe(true);
  });

  it('installs dependencies before it copies the sources (a source edit reuses the dependency layer) and keeps .runtime out', () => {
    const dockerfile = readFileSync(join(dir, 'Dockerfile'), 'utf8');
    const at = (line: RegExp) => dockerfile.search(line);
    expect(at(/^COPY pnpm-lock\.yaml /m)).toBeGreaterThan(0);
    expect(at(/^RUN pnpm fetch --frozen-lockfile$/m)).toBeGreaterThan(at(/^COPY pnpm-lock\.yaml /m));
    expect(at(/^COPY \. \.$/m)).toBeGreaterThan(at(/^RUN pnpm fetch /m));
    // The release carries the pinned Node; the build base's own Node 24 would otherwise be chosen as the runtime.
    expect(dockerfile).toMatch(/^ENV ODIN_RUNTIME=pinned$/m);
    const ignored = readFileSync(join(root, '.dockerignore'), 'utf8').split('\n');
    for (const pattern of ['**/node_modules', '**/dist', '**/.runtime', '.git']) expect(ignored).toContain(pattern);
  });

  it('has a dev container on the same pinned Node 24 base, with every tool the suite needs', () => {
    const devcontainer = JSON.parse(readFileSync(join(root, '.devcontainer/devcontainer.json'), 'utf8'));
    expect(devcontainer).toMatchObject({ build: { dockerfile: 'Dockerfile' }, postCreateCommand: 'pnpm install' });
    const file = readFileSync(join(root, '.devcontainer/Dockerfile'), 'utf8');
    const base = (text: string) => /^FROM (node:24-trixie-slim@sha256:[0-9a-f]{64})/m.exec(text)?.[1];
    expect(base(file)).toBeDefined();
    expect(base(file)).toBe(base(readFileSync(join(dir, 'Dockerfile'), 'utf8')));
    const ci = readFileSync(join(root, '.ci/run'), 'utf8');
    const needed = [...ci.matchAll(/missing\+=\(([\w-]+)\)/g)].map((match) => match[1]!);
    expect(needed.length).toBeGreaterThan(5);
    for (const tool of [...needed, 'maven', 'openjdk-21-jre-headless']) expect(file, tool).toMatch(new RegExp(`\\s${tool}\\s`));
  });

  it('builds the image and runs its --version (where a Docker engine answers)', (context) => {
    const info = spawnSync('docker', ['info', '--format', '{{.ServerVersion}}'], { encoding: 'utf8', timeout: 20_000 });
    if (info.status !== 0) context.skip(`no Docker engine answers here (docker info: ${(info.stderr || String(info.error)).trim().split('\n')[0]})`);
    const tag = `odin-ws:test-${process.pid}`;
    const build = spawnSync('docker', ['build', '-f', 'infra/docker/Dockerfile', '-t', tag, '.'], { cwd: root, encoding: 'utf8', timeout: 900_000 });
    expect(build.status, build.stderr.slice(-2000)).toBe(0);
    const version = spawnSync('docker', ['run', '--rm', tag, '--version'], { encoding: 'utf8', timeout: 60_000 });
    expect(version.stdout).toMatch(/^odin-ws \d+\.\d+\.\d+\nnode v24\.\d+\.\d+ \(ABI 137, glibc 2\.41\)\nuWebSockets\.js /);
    spawnSync('docker', ['rmi', tag]);
  }, 960_000);

  it('gives Prometheus a configuration promtool accepts, with the production rules', () => {
    const work = mkdtempSync(join(tmpdir(), 'odin-compose-prometheus-'));
    const config = readFileSync(join(dir, 'prometheus.compose.yml'), 'utf8').replace(
      '/etc/prometheus/rules',
      resolve(root, 'infra/monitoring/prometheus/rules'),
    );
    writeFileSync(join(work, 'prometheus.yml'), config);
    const result = spawnSync('promtool', ['check', 'config', join(work, 'prometheus.yml')], { encoding: 'utf8' });
    expect(result.status, result.stdout + result.stderr).toBe(0);
  });
});
