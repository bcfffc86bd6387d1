import { spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from '@cdktf/hcl2json';
import { describe, expect, it } from 'vitest';

/**
 * What can be checked of the GCP deployment without a GCP project or the Terraform registry: every
 * HCL file parses, references resolve, the settings that matter for WebSockets hold, the deploy-time
 * faults found in review stay fixed, the systemd units pass systemd-analyze, and the shard discovery
 * script writes the list the load balancer reads. startup.test.ts boots both tiers from a release.
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
    const used = new Set([...text.matchAll(/\bvar\.([a-z0-9_]+)/g)].map((match) => match[1]!));
    expect([...used].filter((name) => !(name in variable))).toEqual([]);
    expect(Object.keys(variable).filter((name) => !used.has(name))).toEqual([]);
    const declaredLocals = new Set(locals.flatMap((block) => Object.keys(block)));
    expect([...text.matchAll(/\blocal\.([a-z0-9_]+)/g)].map((match) => match[1]!).filter((name) => !declaredLocals.has(name))).toEqual([]);
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
    const { resource } = await parsed();
    const backend = one(resource['google_compute_backend_service']!, 'lb');
    expect(backend['timeout_sec']).toBe('${var.websocket_max_lifetime_s}');
    expect(backend['connection_draining_timeout_sec']).toBe('${var.drain_timeout_s + 15}');
    expect(backend['health_checks']).toEqual(['${module.lb.readiness_health_check_id}']);
    const tier = (await parsed('modules/tier')).resource;
    const policy = (one(tier['google_compute_region_instance_group_manager']!, 'tier')['update_policy'] as Array<Record<string, unknown>>)[0]!;
    expect(policy).toMatchObject({ max_unavailable_fixed: 0, replacement_method: 'SUBSTITUTE' });
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

  it('stops restarting a tier that exits with a usage (64) or configuration (78) error: the next start would fail the same way', () => {
    for (const unit of ['odin-ws-shard.service', 'odin-ws-loadbalancer.service']) {
      const text = readFileSync(join(dir, 'systemd', unit), 'utf8');
      expect(text, unit).toMatch(/^Restart=always$/m);
      expect(text, unit).toMatch(/^RestartPreventExitStatus=64 78$/m);
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
    const script = readFileSync(join(dir, 'startup.sh'), 'utf8');
    expect(script).toContain("targets: ['$internal_ip:$admin_port']");
    expect(script).toContain('echo "ODIN_ADMIN_HOST=$internal_ip"');
  });

  it('has systemd units that pass systemd-analyze verify', () => {
    const root = mkdtempSync(join(tmpdir(), 'odin-systemd-'));
    const units = readdirSync(join(dir, 'systemd'));
    mkdirSync(join(root, 'etc/systemd/system'), { recursive: true });
    for (const unit of units) copyFileSync(join(dir, 'systemd', unit), join(root, 'etc/systemd/system', unit));
    // The units run where the start-up script puts things; the system's own units satisfy their targets.
    cpSync('/usr/lib/systemd/system', join(root, 'usr/lib/systemd/system'), { recursive: true });
    mkdirSync(join(root, 'opt/odin-ws/runtime/bin'), { recursive: true });
    writeFileSync(join(root, 'opt/odin-ws/runtime/bin/node'), '#!/bin/sh\n');
    chmodSync(join(root, 'opt/odin-ws/runtime/bin/node'), 0o755);
    cpSync(join(dir, 'scripts'), join(root, 'opt/odin-ws/infra/scripts'), { recursive: true });
    const result = spawnSync('systemd-analyze', ['verify', `--root=${root}`, ...units], { encoding: 'utf8' });
    expect(result.error, 'systemd-analyze is needed (.ci/run installs systemd)').toBeUndefined();
    expect(result.stderr + result.stdout).toBe('');
    expect(result.status).toBe(0);
  });

  it('discover-shards.sh writes the running shards as ws:// URLs, atomically, and keeps the list on an empty answer', () => {
    const work = mkdtempSync(join(tmpdir(), 'odin-discover-'));
    const fakeGcloud = join(work, 'gcloud');
    const answer = join(work, 'answer.txt');
    // A stand-in for gcloud: the group's members are links named after the addresses in answer.txt,
    // and reading one member answers its address. Every call's arguments are recorded.
    writeFileSync(
      fakeGcloud,
      `#!/bin/bash
echo "$@" >> ${work}/calls.txt
case "$3" in
  managed) for ip in $(cat ${answer}); do echo "https://compute/projects/p1/zones/z/instances/odin-ws-shard-$ip"; done ;;
  describe) url=$4; echo "\${url##*-shard-}" ;;
  *) exit 1 ;;
esac
`,
    );
    chmodSync(fakeGcloud, 0o755);
    const shards = join(work, 'shards.txt');
    const run = () =>
      spawnSync('bash', [join(dir, 'scripts/discover-shards.sh')], {
        encoding: 'utf8',
        env: { PATH: `${work}:${process.env['PATH']}`, PROJECT: 'p1', REGION: 'r1', SHARD_GROUP: 'odin-ws-shard', SHARD_PORT: '3002', SHARDS_FILE: shards },
      });
    writeFileSync(answer, '10.0.0.2\n10.0.0.3\n');
    expect(run().status).toBe(0);
    const lines = readFileSync(shards, 'utf8')
      .split('\n')
      .filter((line) => line && !line.startsWith('#'));
    expect(lines.sort()).toEqual(['ws://10.0.0.2:3002/ws', 'ws://10.0.0.3:3002/ws']);
    // Each member read by its own link: gets its IAM grant allows, no project-wide instances list.
    const calls = readFileSync(join(work, 'calls.txt'), 'utf8').trim().split('\n');
    expect(calls.filter((call) => call.startsWith('compute instances describe https://compute/projects/p1/zones/z/instances/odin-ws-shard-'))).toHaveLength(2);
    expect(calls.some((call) => call.startsWith('compute instances list'))).toBe(false);
    writeFileSync(answer, '');
    expect(run().status).toBe(0);
    expect(readFileSync(shards, 'utf8')).toContain('ws://10.0.0.3:3002/ws');
    expect(readdirSync(work).filter((name) => name.startsWith('shards.txt.'))).toEqual([]);
  });
});

describe('infra/gcp: deploy-time faults found in review stay fixed', () => {
  const tierResources = async () => (await parsed('modules/tier')).resource;
  const block = (value: unknown) => (value as Array<Record<string, unknown>>)[0]!;

  it('1. boots without the internet: Private Google Access on the subnetwork, Cloud NAT for the rest, and a start-up script that fetches only from Google', async () => {
    const { resource, module } = await parsed();
    const subnet = one(resource['google_compute_subnetwork']!, 'odin');
    expect(subnet['private_ip_google_access']).toBe(true);
    for (const tier of ['shard', 'lb']) expect(one(module, tier)['subnetwork']).toBe('${google_compute_subnetwork.odin.id}');
    expect(one(resource['google_compute_router_nat']!, 'odin')['subnetwork']).toBeDefined();
    const script = readFileSync(join(dir, 'startup.sh'), 'utf8');
    const hosts = [...script.matchAll(/https?:\/\/([a-z0-9.-]+)/g)].map((match) => match[1]!);
    // The metadata server, and the Ops Agent's package repository, which is optional (see the next check).
    expect(new Set(hosts)).toEqual(new Set(['metadata.google.internal', 'packages.cloud.google.com']));
    expect(script).toMatch(/if ! install_ops_agent >\/dev\/null 2>&1; then\n\s+log "warning/);
    // Nothing downloaded is run: apt installs the agent, each package checked against the repository's key.
    expect(script).not.toMatch(/\| *(ba)?sh\b|nodesource/);
    expect([...script.matchAll(/apt-get install [^\n]*/g)].map((match) => match[0])).toEqual(['apt-get install -y -qq google-cloud-ops-agent']);
    expect(script).toContain('node=/opt/odin-ws.new/runtime/bin/node');
  });

  it('2. lets the autoscaler alone own the group size (no target_size beside an autoscaler)', async () => {
    const resource = await tierResources();
    const group = one(resource['google_compute_region_instance_group_manager']!, 'tier');
    expect(resource['google_compute_region_autoscaler']).toBeDefined();
    expect(group).not.toHaveProperty('target_size');
  });

  it('3. names each shard after its instance (ODIN_SHARD_ID), so per-shard series do not collapse', () => {
    const script = readFileSync(join(dir, 'startup.sh'), 'utf8');
    expect(script).toContain('instance_name="$(metadata instance/name)"');
    expect(script).toContain('if [ "$tier" = shard ]; then echo "ODIN_SHARD_ID=$instance_name"; fi');
    expect(source).not.toContain('ODIN_SHARD_ID');
  });

  it('4. autoheals on liveness only, and keeps readiness for traffic', async () => {
    const { module, resource } = await parsed();
    const tier = await tierResources();
    const group = one(tier['google_compute_region_instance_group_manager']!, 'tier');
    expect(block(group['auto_healing_policies'])['health_check']).toBe('${google_compute_health_check.liveness.id}');
    const liveness = block(one(tier['google_compute_health_check']!, 'liveness')['http_health_check']);
    expect(liveness['request_path']).toBe('${var.liveness_path}');
    for (const name of ['shard', 'lb']) expect(one(module, name)['liveness_path']).toBe('/health');
    expect(one(module, 'lb')['readiness_path']).toBe('/ready');
    expect(one(module, 'shard')).not.toHaveProperty('readiness_path');
    expect(one(resource['google_compute_backend_service']!, 'lb')['health_checks']).toEqual(['${module.lb.readiness_health_check_id}']);
  });

  it('5. scales on a per-instance series (gce_instance) each instance writes, over every zone of the region', async () => {
    const { module } = await parsed();
    const tier = await tierResources();
    const metric = block(block(one(tier['google_compute_region_autoscaler']!, 'tier')['autoscaling_policy'])['metric']);
    expect(metric).toMatchObject({ name: '${var.connections_metric}', filter: 'resource.type = "gce_instance"', type: 'GAUGE' });
    expect(metric).not.toHaveProperty('single_instance_assignment');
    const metricsReference = readFileSync(join(dir, '../../docs/metrics.md'), 'utf8');
    for (const name of ['shard', 'lb']) {
      expect(String(one(module, name)['connections_metric'])).toMatch(/^custom\.googleapis\.com\/odin_ws\//);
      expect(metricsReference, `${name}: load_series`).toContain(`\`${one(module, name)['load_series']}\``);
    }
    const group = one(tier['google_compute_region_instance_group_manager']!, 'tier');
    expect(group['distribution_policy_zones']).toBe('${data.google_compute_zones.available.names}');
    expect(sourceOf('modules/tier')).toMatch(/data "google_compute_zones" "available" \{\n\s+region = var\.region\n\s+status = "UP"/);
  });

  it('6. reads the Kafka password from Secret Manager at boot, and never puts it in metadata', async () => {
    const { resource, variable } = await parsed();
    const sasl = String(one(variable, 'kafka_sasl')['type']);
    expect(sasl).toContain('password_secret');
    expect(sasl).not.toMatch(/\bpassword\s*=/);
    const grant = one(resource['google_secret_manager_secret_iam_member']!, 'shard_kafka_password');
    expect(grant).toMatchObject({ secret_id: '${local.kafka_password_secret}', role: 'roles/secretmanager.secretAccessor' });
    expect(source).toContain('ODIN_KAFKA_SASL_PASSWORD_FILE = local.kafka_password_file');
    const script = readFileSync(join(dir, 'startup.sh'), 'utf8');
    expect(script).toContain('gcloud secrets versions access latest --secret="$password_secret" --out-file="$password_file"');
  });

  it("7. lets the load balancers list group members and read the shard group's instances, not the whole project's compute", async () => {
    const { resource } = await parsed();
    const roles = Object.values(resource['google_project_iam_member']!).flatMap((bindings) => bindings.map((binding) => binding['role']));
    expect(roles).not.toContain('roles/compute.viewer');
    // One permission per call discover-shards.sh makes; the list one alone in its role (a list cannot match a name condition).
    expect(one(resource['google_project_iam_custom_role']!, 'shard_group_listing')['permissions']).toEqual(['compute.instanceGroupManagers.list']);
    expect(one(resource['google_project_iam_custom_role']!, 'shard_discovery')['permissions']).toEqual(['compute.instances.get']);
    const discovery = readFileSync(join(dir, 'scripts/discover-shards.sh'), 'utf8');
    expect([...discovery.matchAll(/gcloud compute ([a-z -]+?) (?=["'$])/g)].map((match) => match[1])).toEqual([
      'instance-groups managed list-instances',
      'instances describe',
    ]);
    const grant = one(resource['google_project_iam_member']!, 'lb_shard_discovery');
    expect(grant['role']).toBe('projects/${var.project}/roles/${google_project_iam_custom_role.shard_discovery.role_id}');
    const condition = JSON.stringify(grant['condition']);
    expect(condition).toContain('resource.type == \\"compute.googleapis.com/Instance\\"');
    expect(condition).toContain('startsWith(\\"${module.shard.base_instance_name}-\\")');
    expect(one(resource['google_project_iam_member']!, 'lb_shard_group_listing')['condition']).toBeUndefined();
  });

  it("8. throttles each client IP at Google's edge (Cloud Armor), and serves TLS 1.2+ only (MODERN)", async () => {
    const { resource } = await parsed();
    const policy = one(resource['google_compute_security_policy']!, 'lb');
    const rules = policy['rule'] as Array<Record<string, unknown>>;
    const throttle = rules.find((rule) => rule['action'] === 'throttle')!;
    expect(JSON.stringify(throttle['rate_limit_options'])).toContain('"enforce_on_key":"IP"');
    expect(JSON.stringify(throttle['rate_limit_options'])).toContain('"count":"${var.edge_rate_limit}"');
    expect(one(resource['google_compute_backend_service']!, 'lb')['security_policy']).toBe('${google_compute_security_policy.lb.id}');
    expect(one(resource['google_compute_ssl_policy']!, 'lb')).toMatchObject({ profile: 'MODERN', min_tls_version: 'TLS_1_2' });
    expect(one(resource['google_compute_target_https_proxy']!, 'lb')['ssl_policy']).toBe('${google_compute_ssl_policy.lb.id}');
  });

  it('9. takes SSH access from OS Login only, and boots only a release signed by the key the deployment names', () => {
    const tier = sourceOf('modules/tier');
    expect(tier).toMatch(/enable-oslogin\s+= "TRUE"/);
    expect(tier).toMatch(/block-project-ssh-keys\s+= "TRUE"/);
    const script = readFileSync(join(dir, 'startup.sh'), 'utf8');
    expect(script).toContain(
      'ssh-keygen -Y verify -f /tmp/odin-ws.allowed-signers -I odin-ws-release -n odin-ws-release -s /tmp/odin-ws.tgz.sig < /tmp/odin-ws.tgz',
    );
    // Verified before anything of the tarball is unpacked.
    expect(script.indexOf('ssh-keygen -Y verify')).toBeLessThan(script.indexOf('tar -xzf'));
  });

  it('sets every metadata attribute startup.sh reads, and nothing it does not', async () => {
    const script = readFileSync(join(dir, 'startup.sh'), 'utf8');
    const read = new Set([...script.matchAll(/attribute (odin-[a-z0-9-]+)/g)].map((match) => match[1]!));
    const set = new Set([...sourceOf('modules/tier').matchAll(/^\s+(odin-[a-z0-9-]+)\s+=/gm)].map((match) => match[1]!));
    expect(set).toEqual(read);
  });

  it('startup.sh and the helper scripts pass shellcheck', () => {
    const scripts = [join(dir, 'startup.sh'), ...readdirSync(join(dir, 'scripts')).map((name) => join(dir, 'scripts', name))];
    const result = spawnSync('shellcheck', scripts, { encoding: 'utf8' });
    expect(result.error, 'shellcheck is needed (.ci/run installs it)').toBeUndefined();
    expect(result.stdout + result.stderr).toBe('');
    expect(result.status).toBe(0);
  });
});
