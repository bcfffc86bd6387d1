import { spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
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
/** The root configuration and its one module, each checked on its own. */
const configurations = ['.', 'modules/tier'];
const tfFilesOf = (configuration: string) =>
  readdirSync(join(dir, configuration))
    .filter((name) => name.endsWith('.tf'))
    .map((name) => join(dir, configuration, name));
const sourceOf = (configuration: string) =>
  tfFilesOf(configuration)
    .map((file) => readFileSync(file, 'utf8'))
    .join('\n');
const source = sourceOf('.');
type Block = Record<string, Array<Record<string, unknown>>>;

async function parsed(
  configuration = '.',
): Promise<{ resource: Record<string, Block>; variable: Block; locals: Array<Record<string, unknown>>; module: Block }> {
  const merged = { resource: {} as Record<string, Block>, variable: {} as Block, locals: [] as Array<Record<string, unknown>>, module: {} as Block };
  for (const file of tfFilesOf(configuration)) {
    const json = (await parse(file, readFileSync(file, 'utf8'))) as Record<string, unknown>;
    for (const [type, blocks] of Object.entries((json['resource'] ?? {}) as Record<string, Block>))
      merged.resource[type] = { ...merged.resource[type], ...blocks };
    Object.assign(merged.variable, json['variable'] ?? {});
    Object.assign(merged.module, json['module'] ?? {});
    merged.locals.push(...((json['locals'] ?? []) as Array<Record<string, unknown>>));
  }
  return merged;
}

const one = (block: Block, name: string) => block[name]![0]!;

describe('infra/gcp (Terraform)', () => {
  it('every .tf file parses as HCL', async () => {
    const files = configurations.flatMap(tfFilesOf);
    expect(files.length).toBeGreaterThanOrEqual(9);
    for (const file of files) await expect(parse(file, readFileSync(file, 'utf8')), file).resolves.toBeTypeOf('object');
  });

  it.each(configurations)('%s: every variable, local, module and resource referenced is declared, and every variable is used', async (configuration) => {
    const { resource, variable, locals, module } = await parsed(configuration);
    const text = sourceOf(configuration);
    const used = new Set([...text.matchAll(/\bvar\.([a-z_]+)/g)].map((match) => match[1]!));
    expect([...used].filter((name) => !(name in variable))).toEqual([]);
    expect(Object.keys(variable).filter((name) => !used.has(name))).toEqual([]);
    const declaredLocals = new Set(locals.flatMap((block) => Object.keys(block)));
    expect([...text.matchAll(/\blocal\.([a-z_]+)/g)].map((match) => match[1]!).filter((name) => !declaredLocals.has(name))).toEqual([]);
    for (const [, name] of text.matchAll(/\bmodule\.([a-z_]+)\./g)) expect(module[name!], `module.${name}`).toBeDefined();
    for (const [, type, name] of text.matchAll(/\b(google_[a-z_]+)\.([a-z_]+)\.(?:id|email|instance_group|address)/g)) {
      expect(resource[type!]?.[name!], `${type}.${name}`).toBeDefined();
    }
  });

  it('passes every module variable without a default, and only those the module declares', async () => {
    const { module } = await parsed();
    const { variable } = await parsed('modules/tier');
    for (const [name, [call]] of Object.entries(module)) {
      const given = Object.keys(call!).filter((key) => key !== 'source');
      expect(
        given.filter((key) => !(key in variable)),
        name,
      ).toEqual([]);
      expect(
        Object.keys(variable).filter((key) => !given.includes(key) && one(variable, key)['default'] === undefined),
        name,
      ).toEqual([]);
    }
  });

  it('keeps WebSockets open and drains before replacing', async () => {
    const { resource, module } = await parsed();
    const backend = one(resource['google_compute_backend_service']!, 'lb');
    expect(backend['timeout_sec']).toBe('${var.websocket_max_lifetime_s}');
    expect(backend['connection_draining_timeout_sec']).toBe('${var.drain_timeout_s + 15}');
    expect(backend['health_checks']).toEqual(['${module.lb.health_check_id}']);
    expect(one(module, 'lb')['health_check_path']).toBe('/ready');
    expect(one(module, 'shard')['health_check_path']).toBe('/health');
    for (const tier of ['shard', 'lb']) expect(String(one(module, tier)['connections_metric'])).toMatch(/ws_(connections|proxied_connections)_active/);
    const tier = (await parsed('modules/tier')).resource;
    const policy = (one(tier['google_compute_region_instance_group_manager']!, 'tier')['update_policy'] as Array<Record<string, unknown>>)[0]!;
    expect(policy).toMatchObject({ max_unavailable_fixed: 0, replacement_method: 'SUBSTITUTE' });
    const autoscaling = (one(tier['google_compute_region_autoscaler']!, 'tier')['autoscaling_policy'] as Array<Record<string, unknown>>)[0]!;
    expect(autoscaling['cpu_utilization']).toBeDefined();
    expect(autoscaling['metric']).toBeDefined();
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

  it('keeps /metrics and the detailed /health on private ops ports the external load balancer never reaches', async () => {
    const { locals, resource } = await parsed();
    const local = Object.assign({}, ...locals) as Record<string, unknown>;
    const [shardAdmin, lbAdmin] = [String(local['shard_admin_port']), String(local['lb_admin_port'])];
    expect(new Set([shardAdmin, lbAdmin, String(local['shard_port']), String(local['lb_port'])]).size).toBe(4);
    expect(source).toMatch(/ODIN_ADMIN_PORT\s+= tostring\(local\.shard_admin_port\)/);
    expect(source).toMatch(/ODIN_ADMIN_PORT\s+= tostring\(local\.lb_admin_port\)/);
    expect(source).toMatch(/ODIN_SHARD_HEALTH_PORT = tostring\(local\.shard_admin_port\)/);
    // Only the LB tier reaches a shard's ops port; Google's front ends and health checkers reach only the public ones.
    const allowed = (name: string) => (one(resource['google_compute_firewall']!, name)['allow'] as Array<{ ports: string[] }>)[0]!.ports;
    expect(allowed('shard_from_lb')).toContain('${tostring(local.shard_admin_port)}');
    expect(allowed('lb_from_google')).toEqual(['${tostring(local.lb_port)}']);
    expect(allowed('shard_health_checks')).toEqual(['${tostring(local.shard_port)}']);
    // The Ops Agent scrapes the ops port on the internal address the service binds.
    const template = readFileSync(join(dir, 'startup.sh.tftpl'), 'utf8');
    expect(template).toContain("targets: ['INTERNAL_IP:${admin_port}']");
    expect(template).toContain('echo "ODIN_ADMIN_HOST=$internal_ip"');
  });

  it('passes the start-up template every value it uses', () => {
    const template = readFileSync(join(dir, 'startup.sh.tftpl'), 'utf8');
    // ${name} interpolations and the collections of %{ for k, v in name } loops.
    const used = new Set([...template.matchAll(/\$\{([a-z_]+)\}|%\{ for [a-z_]+, [a-z_]+ in ([a-z_]+)/g)].map((match) => match[1] ?? match[2]!));
    const calls = [...source.matchAll(/templatefile\("\$\{path\.module\}\/startup\.sh\.tftpl", \{([\s\S]*?)\n\s*\}\)/g)];
    expect(calls).toHaveLength(2);
    for (const call of calls) {
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
    const lines = readFileSync(shards, 'utf8')
      .split('\n')
      .filter((line) => line && !line.startsWith('#'));
    expect(lines).toEqual(['ws://10.0.0.2:3002/ws', 'ws://10.0.0.3:3002/ws']);
    expect(readFileSync(join(work, 'args.txt'), 'utf8')).toContain('labels.odin-ws-tier=shard AND status=RUNNING');
    writeFileSync(answer, '');
    expect(run().status).toBe(0);
    expect(readFileSync(shards, 'utf8')).toContain('ws://10.0.0.3:3002/ws');
    expect(readdirSync(work).filter((name) => name.startsWith('shards.txt.'))).toEqual([]);
  });
});
