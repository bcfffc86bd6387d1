import { mkdtempSync, truncateSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  createTestTopic,
  type LoadBalancerProcess,
  metricValue,
  type ShardProcess,
  sleep,
  spawnCli,
  startLoadBalancerProcess,
  startShardProcess,
  waitFor,
} from '@odin-ws/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/** Operator mistakes a real fleet meets: each must leave the fleet serving, or stop it with a clear line. */
describe('operator mistakes', () => {
  let shard: ShardProcess;
  const lbs: LoadBalancerProcess[] = [];

  beforeAll(async () => {
    const topic = await createTestTopic('mistakes', 1);
    shard = await startShardProcess({ topics: [topic], args: [`--channel-map=${topic}=trade`] });
  }, 60_000);

  afterAll(async () => {
    await Promise.all(lbs.map((lb) => lb.stop()));
    await shard?.stop();
  });

  /** Every worker answers with this one shard, ready: eight /health answers in a row agree. */
  const servesTheShard = async (lb: LoadBalancerProcess) => {
    for (let i = 0; i < 8; i++) {
      const health = await lb.health();
      if (health.shards.length !== 1 || health.shards[0]!['id'] !== shard.shardId || health.shards[0]!['ready'] !== true) return false;
    }
    return metricValue(await lb.metrics(), 'ws_lb_workers') === 2;
  };

  it('a bad line, an empty file or a half-written one in the shard list keeps the current list and every worker', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'odin-list-')), 'shards.txt');
    writeFileSync(file, `${shard.url}\n`);
    const lb = await startLoadBalancerProcess({ args: [`--backend-urls-file=${file}`] });
    lbs.push(lb);
    await waitFor('the shard in every worker', () => servesTheShard(lb));
    for (const broken of [`${shard.url}\nws://10.0.0.300:3002/ws\n`, `${shard.url}\nws://127.0.0.1:70000/ws\n`, '', '# nothing yet\n', 'ws://127.0.0.1:450']) {
      if (broken === '') truncateSync(file, 0);
      else writeFileSync(file, broken);
      await sleep(800); // four checks of the file (--health-interval=200)
      expect(await servesTheShard(lb), JSON.stringify(broken)).toBe(true);
    }
    expect(lb.child.exitCode).toBeNull();
  });

  it('a bad --backend-urls value stops the start with one line and status 78 (configuration)', async () => {
    const cli = spawnCli(['--mode=loadbalancer', '--lb-port=0', '--backend-urls=ws://10.0.0.300:3002/ws']);
    expect((await cli.exited).code).toBe(78);
    expect(cli.output()).toContain("expected ws://host:port/path[,...], got 'ws://10.0.0.300:3002/ws'");
  });

  it('workers that keep dying (their port taken) make the primary exit non-zero with the cause', async () => {
    const squatter = createServer();
    await new Promise<void>((resolve) => squatter.listen(0, '127.0.0.1', resolve));
    const port = (squatter.address() as { port: number }).port;
    try {
      const cli = spawnCli(['--mode=loadbalancer', '--host=127.0.0.1', `--lb-port=${port}`, `--backend-urls=${shard.url}`, '--log-level=fatal']);
      const exit = await Promise.race([cli.exited, sleep(30_000).then(() => undefined)]);
      expect(exit?.code, cli.output()).toBe(1);
      expect(cli.output()).toMatch(/odin-ws: E_WORKER_CRASH_LOOP: 5 load-balancer workers died within 30 s/);
    } finally {
      squatter.close();
    }
  }, 40_000);

  it.each(['shard', 'loadbalancer'] as const)('SIGHUP leaves the %s running and serving', async (tier) => {
    const lb = tier === 'loadbalancer' ? await startLoadBalancerProcess({ backendUrls: [shard.url] }) : undefined;
    if (lb) lbs.push(lb);
    const target = lb ?? shard;
    target.child.kill('SIGHUP');
    await sleep(500);
    expect(target.child.exitCode).toBeNull();
    expect((await fetch(`${target.httpUrl}/health`)).status).toBe(200);
  });
});
