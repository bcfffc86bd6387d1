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
