import { ADMIN_PORT_OFFSET } from '@odin-ws/config';
import {
  type CliProcess,
  createTestTopic,
  kafkaBrokers,
  type LoadBalancerProcess,
  type ShardProcess,
  spawnCli,
  stablePortRange,
  startLoadBalancerProcess,
  startShardProcess,
  TestClient,
  waitFor,
} from '@odin-ws/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { handshake } from './auth-helpers.js';

/** GET a path; the status and the body (JSON when it parses). */
async function get(url: string): Promise<{ status: number; body: unknown; text: string }> {
  const response = await fetch(url);
  const text = await response.text();
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    body = undefined;
  }
  return { status: response.status, body, text };
}

const ALLOWED = 'https://app.example.com';

describe('the private ops surface (shard and LB) and --allowed-origins', () => {
  let shard: ShardProcess;
  let lb: LoadBalancerProcess;
  let shardAdmin: string;
  let lbAdmin: string;
  let topic: string;

  beforeAll(async () => {
    topic = await createTestTopic('admin', 1);
    shard = await startShardProcess({ topics: [topic], args: [`--channel-map=${topic}=trade`, `--allowed-origins=${ALLOWED}`] });
    // The LB learns the shard's readiness and load from /load on its public port.
    lb = await startLoadBalancerProcess({ backendUrls: [shard.url], args: [`--allowed-origins=${ALLOWED}`] });
    shardAdmin = shard.opsUrl;
    lbAdmin = lb.opsUrl;
    await lb.waitForShardsReady();
  }, 60_000);

  afterAll(async () => {
    await lb?.stop();
    await shard?.stop();
  });

  it.each(['shard', 'loadbalancer'] as const)('%s: the public port answers /ws and a minimal /health and /ready, and no /metrics', async (tier) => {
    const base = tier === 'shard' ? shard.httpUrl : lb.httpUrl;
    expect(await get(`${base}/metrics`)).toMatchObject({ status: 404 });
    const health = await get(`${base}/health`);
    expect(health).toMatchObject({ status: 200, body: { status: 'up' } });
    expect(Object.keys(health.body as object)).toEqual(['status']); // no shard id, pid, addresses or counts
    expect(await get(`${base}/ready`)).toMatchObject({ status: 200, body: { ready: true } });
  });

  it("shard: the public /load tells the load balancer the shard's id, status and load, and nothing else", async () => {
    const load = await get(`${shard.httpUrl}/load`);
    expect(load).toMatchObject({ status: 200, body: { shardId: shard.shardId, status: 'ok', draining: false, connections: expect.any(Number) } });
    expect(Object.keys(load.body as object).sort()).toEqual(['connections', 'draining', 'maxConnections', 'shardId', 'status']);
  });

  it.each(['shard', 'loadbalancer'] as const)('%s: the ops port serves /metrics, the detailed /health and /ready, and nothing else', async (tier) => {
    const base = tier === 'shard' ? shardAdmin : lbAdmin;
    const metrics = await get(`${base}/metrics`);
    expect(metrics.status).toBe(200);
    expect(metrics.text).toContain(tier === 'shard' ? 'ws_connections_active' : 'ws_proxied_connections_active');
    const health = await get(`${base}/health`);
    expect(health.body).toMatchObject(
      tier === 'shard' ? { shardId: shard.shardId, pid: expect.any(Number) } : { shards: [expect.objectContaining({ address: expect.any(String) })] },
    );
    expect((await get(`${base}/ready`)).status).toBe(200);
    expect((await get(`${base}/ws`)).status).toBe(404);
  });

  it('clients still connect through the public port', async () => {
    const client = await TestClient.connect(lb.url);
    expect(await client.subscribe(['ADM.trade'])).toMatchObject({ subscribed: ['ADM.trade'] });
    client.terminate();
  });

  it.each(['shard', 'loadbalancer'] as const)(
    '%s: refuses a browser handshake from another origin with a 4403 close frame it can read, and lets the allowed one and origin-less clients in',
    async (tier) => {
      const url = tier === 'shard' ? shard.url : lb.url;
      // A request with Origin is a browser's, which would see an HTTP 403 only as a bare 1006.
      expect(await handshake(url, { Origin: 'https://evil.example' })).toEqual({ status: 101, close: { code: 4403, reason: { code: 'ORIGIN_NOT_ALLOWED' } } });
      expect(await handshake(url, { Origin: 'HTTPS://APP.EXAMPLE.COM' })).toEqual({ status: 101 });
      expect(await handshake(url)).toEqual({ status: 101 });
    },
  );

  describe('out of the box (no ops flags at all)', () => {
    const started: CliProcess[] = [];
    afterAll(async () => {
      for (const process of started) process.child.kill('SIGKILL');
      await Promise.all(started.map((process) => process.exited));
    });

    it(`keeps /metrics and the detailed /health off the public port: on loopback, at the public port + ${ADMIN_PORT_OFFSET}`, async () => {
      const [shardPort, lbPort] = [await stablePortRange(1), await stablePortRange(1)];
      started.push(spawnCli(['--mode=shard', `--port=${shardPort}`, `--kafka-brokers=${kafkaBrokers()}`, `--topics=${topic}`, '--log-level=warn']));
      started.push(
        spawnCli(['--mode=loadbalancer', `--lb-port=${lbPort}`, `--backend-urls=ws://127.0.0.1:${shardPort}/ws`, '--lb-workers=1', '--log-level=warn']),
      );
      for (const port of [shardPort, lbPort]) {
        await waitFor(`port ${port} to answer`, async () => (await fetch(`http://127.0.0.1:${port}/health`).catch(() => undefined))?.ok, 30_000);
        expect(await get(`http://127.0.0.1:${port}/metrics`)).toMatchObject({ status: 404 });
        expect(Object.keys((await get(`http://127.0.0.1:${port}/health`)).body as object)).toEqual(['status']);
        const ops = `http://127.0.0.1:${port + ADMIN_PORT_OFFSET}`;
        await waitFor(`the ops surface of ${port}`, async () => (await fetch(`${ops}/metrics`).catch(() => undefined))?.ok, 30_000);
        expect((await get(`${ops}/health`)).body).toHaveProperty('pid');
      }
      // The LB still learns the shard's readiness (from its public /load).
      await waitFor(
        'the shard ready in the LB',
        async () => ((await get(`http://127.0.0.1:${lbPort + ADMIN_PORT_OFFSET}/health`)).body as { shards: Array<{ ready: boolean }> }).shards[0]?.ready,
        30_000,
      );
    });

    it('puts them back on the public port with --ops-on-public-port', async () => {
      const port = await stablePortRange(1);
      started.push(
        spawnCli(['--mode=shard', `--port=${port}`, `--kafka-brokers=${kafkaBrokers()}`, `--topics=${topic}`, '--ops-on-public-port', '--log-level=warn']),
      );
      await waitFor('the shard to answer', async () => (await fetch(`http://127.0.0.1:${port}/metrics`).catch(() => undefined))?.ok, 30_000);
      expect((await get(`http://127.0.0.1:${port}/health`)).body).toHaveProperty('pid');
      await expect(fetch(`http://127.0.0.1:${port + ADMIN_PORT_OFFSET}/health`)).rejects.toThrow();
    });
  });
});
