import {
  createTestTopic,
  freePort,
  type LoadBalancerProcess,
  type ShardProcess,
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

describe('the private ops surface (--admin-port on shard and LB) and --allowed-origins', () => {
  let shard: ShardProcess;
  let lb: LoadBalancerProcess;
  let shardAdmin: string;
  let lbAdmin: string;

  beforeAll(async () => {
    const topic = await createTestTopic('admin', 1);
    const [shardAdminPort, lbAdminPort] = [await freePort(), await freePort()];
    shardAdmin = `http://127.0.0.1:${shardAdminPort}`;
    lbAdmin = `http://127.0.0.1:${lbAdminPort}`;
    shard = await startShardProcess({
      topics: [topic],
      args: [`--channel-map=${topic}=trade`, `--admin-port=${shardAdminPort}`, `--allowed-origins=${ALLOWED}`],
    });
    // The LB polls the shard's /health on its ops port.
    lb = await startLoadBalancerProcess({
      backendUrls: [shard.url],
      args: [`--admin-port=${lbAdminPort}`, `--shard-health-port=${shardAdminPort}`, `--allowed-origins=${ALLOWED}`],
      opsUrl: lbAdmin,
    });
    await waitFor('the shard ready in the LB', async () => (await lb.health()).shards.every((s) => s['ready'] === true), 20_000);
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
});
