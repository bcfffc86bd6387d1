import { spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, cpSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from '@cdktf/hcl2json';
import { describe, expect, it } from 'vitest';

/**
 * What can be checked of the GCP deployment without a GCP project or the Terraform registry: every
 * HCL file parses, references resolve, the settings that matter for WebSockets hold, the start-up
 * template gets every value it uses, the systemd units pass systemd-analyze, and the shard
 * discovery script writes the list the load balancer reads.
 */
const dir = new URL('./', import.meta.url).pathname;
const tfFiles = readdirSync(dir).filter((name) => name.endsWith('.tf'));
const source = tfFiles.map((name) => readFileSync(join(dir, name), 'utf8')).join('\n');
type Block = Record<string, Array<Record<string, unknown>>>;

async function parsed(): Promise<{ resource: Record<string, Block>; variable: Block; locals: Array<Record<string, unknown>> }> {
  const merged = { resource: {} as Record<string, Block>, variable: {} as Block, locals: [] as Array<Record<string, unknown>> };
  for (const name of tfFiles) {
    const json = (await parse(name, readFileSync(join(dir, name), 'utf8'))) as Record<string, unknown>;
    for (const [type, blocks] of Object.entries((json['resource'] ?? {}) as Record<string, Block>)) merged.resource[type] = { ...merged.resource[type], ...blocks };
    Object.assign(merged.variable, json['variable'] ?? {});
    merged.locals.push(...((json['locals'] ?? []) as Array<Record<string, unknown>>));
  }
  return merged;
}

const one = (block: Block, name: string) => block[name]![0]!;

describe('infra/gcp (Terraform)', () => {
  it('every .tf file parses as HCL', async () => {
    expect(tfFiles.length).toBeGreaterThanOrEqual(6);
    for (const name of tfFiles) await expect(parse(name, readFileSync(join(dir, name), 'utf8')), name).resolves.toBeTypeOf('object');
  });

  it('every variable, local and resource referenced is declared, and every variable is used', async () => {
    const { resource, variable, locals } = await parsed();
    const used = new Set([...source.matchAll(/\bvar\.([a-z_]+)/g)].map((match) => match[1]!));
    expect([...used].filter((name) => !(name in variable))).toEqual([]);
    expect(Object.keys(variable).filter((name) => !used.has(name))).toEqual([]);
    const declaredLocals = new Set(locals.flatMap((block) => Object.keys(block)));
    expect([...source.matchAll(/\blocal\.([a-z_]+)/g)].map((match) => match[1]!).filter((name) => !declaredLocals.has(name))).toEqual([]);
    for (const [, type, name] of source.matchAll(/\b(google_[a-z_]+)\.([a-z_]+)\.(?:id|email|instance_group|address)/g)) {
      expect(resource[type!]?.[name!], `${type}.${name}`).toBeDefined();
    }
  });

  it('keeps WebSockets open and drains before replacing', async () => {
    const { resource } = await parsed();
    const backend = one(resource['google_compute_backend_service']!, 'lb');
    expect(backend['timeout_sec']).toBe('${var.websocket_max_lifetime_s}');
    expect(backend['connection_draining_timeout_sec']).toBe('${var.drain_timeout_s + 15}');
    const lbCheck = one(resource['google_compute_health_check']!, 'lb_ready')['http_health_check'] as Array<Record<string, unknown>>;
    expect(lbCheck[0]!['request_path']).toBe('/ready');
    for (const group of ['shard', 'lb']) {
      const policy = (one(resource['google_compute_region_instance_group_manager']!, group)['update_policy'] as Array<Record<string, unknown>>)[0]!;
      expect(policy).toMatchObject({ max_unavailable_fixed: 0, replacement_method: 'SUBSTITUTE' });
      const autoscaling = (one(resource['google_compute_region_autoscaler']!, group)['autoscaling_policy'] as Array<Record<string, unknown>>)[0]!;
      expect(autoscaling['cpu_utilization']).toBeDefined();
      expect(JSON.stringify(autoscaling['metric'])).toMatch(/ws_(connections|proxied_connections)_active/);
    }
  });

  it('defaults the WebSocket lifetime far above the ping interval, and systemd waits longer than a drain', async () => {
    const { variable } = await parsed();
    expect(Number(one(variable, 'websocket_max_lifetime_s')['default'])).toBeGreaterThanOrEqual(3600);
    const drain = Number(one(variable, 'drain_timeout_s')['default']);
    for (const unit of ['odin-ws-shard.service', 'odin-ws-loadbalancer.service']) {
      const stop = Number(/TimeoutStopSec=(\d+)/.exec(readFileSync(join(dir, 'systemd', unit), 'utf8'))![1]);
      expect(stop, unit).toBeGreaterThan(drain);
    }
  });

  it('passes the start-up template every value it uses', () => {
    const template = readFileSync(join(dir, 'startup.sh.tftpl'), 'utf8');
    // ${name} interpolations and the collections of %{ for k, v in name } loops.
    const used = new Set([...template.matchAll(/\$\{([a-z_]+)\}|%\{ for [a-z_]+, [a-z_]+ in ([a-z_]+)/g)].map((match) => match[1] ?? match[2]!));
    for (const call of source.matchAll(/templatefile\("\$\{path\.module\}\/startup\.sh\.tftpl", \{([\s\S]*?)\n\s{4}\}\)/g)) {
      const given = new Set([...call[1]!.matchAll(/^\s+"?([a-z_]+)"?\s+=/gm)].map((match) => match[1]!));
      // key, value, name and unit are loop variables.
      for (const name of used) if (!['key', 'value', 'name', 'unit'].includes(name)) expect(given.has(name), name).toBe(true);
    }
  });

  it('has systemd units that pass systemd-analyze verify', () => {
    const root = mkdtempSync(join(tmpdir(), 'odin-systemd-'));
    const units = readdirSync(join(dir, 'systemd'));
    mkdirSync(join(root, 'etc/systemd/system'), { recursive: true });
    for (const unit of units) copyFileSync(join(dir, 'systemd', unit), join(root, 'etc/systemd/system', unit));
    // The units run where the start-up script puts things; the system's own units satisfy their targets.
    cpSync('/usr/lib/systemd/system', join(root, 'usr/lib/systemd/system'), { recursive: true });
    mkdirSync(join(root, 'usr/bin'), { recursive: true });
    writeFileSync(join(root, 'usr/bin/node'), '#!/bin/sh\n');
    chmodSync(join(root, 'usr/bin/node'), 0o755);
    mkdirSync(join(root, 'opt/odin-ws-infra'), { recursive: true });
    copyFileSync(join(dir, 'scripts/discover-shards.sh'), join(root, 'opt/odin-ws-infra/discover-shards.sh'));
    const result = spawnSync('systemd-analyze', ['verify', `--root=${root}`, ...units], { encoding: 'utf8' });
    expect(result.error, 'systemd-analyze is needed (.ci/run installs systemd)').toBeUndefined();
    expect(result.stderr + result.stdout).toBe('');
    expect(result.status).toBe(0);
  });

  it('discover-shards.sh writes the running shards as ws:// URLs, atomically, and keeps the list on an empty answer', () => {
    const work = mkdtempSync(join(tmpdir(), 'odin-discover-'));
    const fakeGcloud = join(work, 'gcloud');
    const answer = join(work, 'answer.txt');
    // A stand-in for gcloud: prints what the test put in answer.txt, and records its arguments.
    writeFileSync(fakeGcloud, `#!/bin/bash\necho "$@" > ${work}/args.txt\ncat ${answer}\n`);
    chmodSync(fakeGcloud, 0o755);
    const shards = join(work, 'shards.txt');
    const run = () =>
      spawnSync('bash', [join(dir, 'scripts/discover-shards.sh')], {
        encoding: 'utf8',
        env: { PATH: `${work}:${process.env['PATH']}`, PROJECT: 'p1', SHARD_LABEL: 'shard', SHARD_PORT: '3002', SHARDS_FILE: shards },
      });
    writeFileSync(answer, '10.0.0.2\n10.0.0.3\n');
    expect(run().status).toBe(0);
    const lines = readFileSync(shards, 'utf8').split('\n').filter((line) => line && !line.startsWith('#'));
    expect(lines).toEqual(['ws://10.0.0.2:3002/ws', 'ws://10.0.0.3:3002/ws']);
    expect(readFileSync(join(work, 'args.txt'), 'utf8')).toContain('labels.odin-ws-tier=shard AND status=RUNNING');
    writeFileSync(answer, '');
    expect(run().status).toBe(0);
    expect(readFileSync(shards, 'utf8')).toContain('ws://10.0.0.3:3002/ws');
    expect(readdirSync(work).filter((name) => name.startsWith('shards.txt.'))).toEqual([]);
  });
});
