import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  closeProducers,
  createTestTopic,
  type LoadBalancerProcess,
  metricValue,
  produce,
  type ShardProcess,
  seedValue,
  sleep,
  startLoadBalancerProcess,
  startShardProcess,
  TestClient,
  waitFor,
} from '@odin-ws/testkit';
import { chromium } from 'playwright-core';
import { afterEach, describe, expect, it } from 'vitest';

describe('load balancer in front of real shards', () => {
  const shards: ShardProcess[] = [];
  const lbs: LoadBalancerProcess[] = [];
  const clients: TestClient[] = [];
  let topic: string;

  const startShards = async (count: number, args: string[] = []) => {
    topic = await createTestTopic('lb', 2);
    const started = await Promise.all(
      Array.from({ length: count }, () => startShardProcess({ topics: [topic], args: [`--channel-map=${topic}=trade`, ...args] })),
    );
    shards.push(...started);
    return started;
  };
  const startLb = async (backends: ShardProcess[], args: string[] = [], workers = 2) => {
    const lb = await startLoadBalancerProcess({ backendUrls: backends.map((shard) => shard.url), args, workers });
    lbs.push(lb);
    await lb.waitForShardsReady();
    return lb;
  };
  const connect = async (url: string) => {
    const client = await TestClient.connect(url);
    clients.push(client);
    return client;
  };
  const connectionsOf = async (shard: ShardProcess) => (await shard.health())['connections'] as number;

  afterEach(async () => {
    for (const client of clients.splice(0)) client.terminate();
    await Promise.all(lbs.splice(0).map((lb) => lb.stop()));
    await Promise.all(shards.splice(0).map((shard) => shard.stop()));
    await closeProducers();
  });

  it('spreads handshakes over three shards and streams through the splice', async () => {
    const fleet = await startShards(3);
    const lb = await startLb(fleet);
    const many = await Promise.all(Array.from({ length: 60 }, () => connect(lb.url)));
    const counts = await Promise.all(fleet.map(connectionsOf));
    console.log(`[lb-fleet] 60 handshakes per shard: ${counts.join(' ')}`);
    expect(counts.reduce((a, b) => a + b, 0)).toBe(60);
    for (const count of counts) expect(count).toBeGreaterThanOrEqual(8);
    await Promise.all(many.map((client) => client.subscribe(['LB.trade'])));
    await produce(topic, [{ key: 'LB', value: seedValue({ n: 1 }) }]);
    await Promise.all(many.map((client) => client.waitForData(1, 'LB.trade')));
  });

  it('skips a shard filled to capacity', async () => {
    const [small] = await startShards(1, ['--max-connections=5']);
    const [big] = await startShards(1);
    for (let i = 0; i < 5; i++) await connect(small!.url);
    const lb = await startLb([small!, big!]);
    await waitFor('the LB to see the full shard', async () => (await lb.health()).shards.some((shard) => shard['utilization'] === 1));
    await Promise.all(Array.from({ length: 20 }, () => connect(lb.url)));
    expect(await connectionsOf(small!)).toBe(5);
    expect(await connectionsOf(big!)).toBe(20);
  });

  it('keeps every new handshake succeeding while a shard is SIGKILLed, then half-opens and closes its circuit when it is back', async () => {
    const fleet = await startShards(3);
    const victim = fleet[1]!;
    // A slower health poll than the other tests: the breaker, not /health, must notice the death.
    const lb = await startLb(fleet, ['--health-interval=1000', '--breaker-reset-timeout=1500', '--breaker-volume-threshold=2'], 1);
    const failures: string[] = [];
    let succeeded = 0;
    const stream = (async () => {
      for (let round = 0; round < 30; round++) {
        await Promise.all(
          Array.from({ length: 6 }, async () => {
            try {
              await connect(lb.url);
              succeeded++;
            } catch (error) {
              failures.push(String(error));
            }
          }),
        );
        if (round === 8) await victim.stop('SIGKILL');
        await sleep(50);
      }
    })();
    await stream;
    expect(failures).toEqual([]);
    expect(succeeded).toBe(180);
    const victimId = victim.shardId;
    await waitFor(
      'the circuit to open',
      async () => metricValue(await lb.metrics(), 'ws_circuit_breaker_transitions_total', { shard_id: victimId, to: 'open' }) >= 1,
    ).catch(async (error: Error) => {
      throw new Error(
        `${error.message}\n${(await lb.metrics())
          .split('\n')
          .filter((line) => line.startsWith('ws_handshake_failures') || line.startsWith('ws_circuit') || line.startsWith('ws_handshake_attempts'))
          .join('\n')}`,
      );
    });
    expect(metricValue(await lb.metrics(), 'ws_handshake_failures_total', { shard_id: victimId, reason: 'refused' })).toBeGreaterThanOrEqual(1);

    const revived = await startShardProcess({ topics: [topic], port: victim.port, shardId: victimId, args: [`--channel-map=${topic}=trade`] });
    shards.push(revived);
    await waitFor(
      'the LB to see the shard ready again',
      async () => (await lb.health()).shards.find((shard) => shard['id'] === victimId)?.['ready'] === true,
      10_000,
    );
    // New handshakes give the half-open circuit its trial; success closes it.
    await waitFor(
      'the circuit to close again',
      async () => {
        await connect(lb.url);
        const metrics = await lb.metrics();
        return (
          metricValue(metrics, 'ws_circuit_breaker_transitions_total', { shard_id: victimId, from: 'open', to: 'half_open' }) >= 1 &&
          metricValue(metrics, 'ws_circuit_breaker_transitions_total', { shard_id: victimId, from: 'half_open', to: 'closed' }) >= 1
        );
      },
      15_000,
      100,
    );
    expect(await connectionsOf(revived)).toBeGreaterThanOrEqual(1);
    expect(metricValue(await lb.metrics(), 'ws_circuit_breaker_state', { shard_id: victimId, state: 'closed' })).toBe(1);
  }, 90_000);

  it("tells clients 1012 with a retry delay when every shard is down, readable in Chromium's CloseEvent too", async () => {
    const fleet = await startShards(2);
    const lb = await startLb(fleet, [], 1);
    await Promise.all(fleet.map((shard) => shard.stop('SIGKILL')));
    await waitFor('/ready to turn 503', async () => (await fetch(`${lb.httpUrl}/ready`)).status === 503);

    const client = await connect(lb.url);
    const closed = await client.closedPromise;
    expect(closed.code).toBe(1012);
    expect(JSON.parse(closed.reason)).toEqual({ code: 'NO_SHARD_AVAILABLE', retryMs: 1000 });

    const browser = await chromium.launch({
      executablePath: process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium',
      args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking'],
    });
    try {
      const page = await browser.newPage();
      const event = await page.evaluate(
        (url) =>
          new Promise<{ code: number; reason: string; wasClean: boolean }>((resolve) => {
            const socket = new WebSocket(url);
            socket.onclose = (close) => resolve({ code: close.code, reason: close.reason, wasClean: close.wasClean });
          }),
        lb.url,
      );
      expect(event.code).toBe(1012);
      expect(JSON.parse(event.reason)).toEqual({ code: 'NO_SHARD_AVAILABLE', retryMs: 1000 });
    } finally {
      await browser.close();
    }
    expect(metricValue(await lb.metrics(), 'ws_handshake_failed_all_total', { close_code: '1012' })).toBeGreaterThanOrEqual(2);
  }, 60_000);

  it('tells clients 1013 Try Again Later when every shard is full', async () => {
    const fleet = await startShards(2, ['--max-connections=2']);
    const lb = await startLb(fleet, [], 1);
    for (let i = 0; i < 4; i++) await connect(lb.url);
    const client = await connect(lb.url);
    const closed = await client.closedPromise;
    expect(closed.code).toBe(1013);
    expect(JSON.parse(closed.reason)).toEqual({ code: 'OVERLOADED', retryMs: 2000 });
    expect(metricValue(await lb.metrics(), 'ws_handshake_failures_total', { reason: 'shard_full' })).toBeGreaterThanOrEqual(2);
    // Full shards answered correctly: their circuits stay closed.
    expect(metricValue(await lb.metrics(), 'ws_circuit_breaker_state', { state: 'open' })).toBe(0);
  });

  it('queues a burst past the admission rate instead of refusing it, and refuses only past the queue', async () => {
    const fleet = await startShards(1);
    const lb = await startLb(fleet, ['--admission-rate=20', '--admission-queue=200', '--admission-max-wait=10000'], 1);
    const startedAt = Date.now();
    const burst = await Promise.all(Array.from({ length: 60 }, () => connect(lb.url)));
    expect(burst.every((client) => client.closed === undefined)).toBe(true);
    expect(Date.now() - startedAt).toBeGreaterThanOrEqual(1500); // 20 at once, 40 more at 20/s
    expect(metricValue(await lb.metrics(), 'ws_admission_queued_total')).toBeGreaterThanOrEqual(30);

    const strict = await startLb(fleet, ['--admission-rate=5', '--admission-queue=5', '--admission-max-wait=10000'], 1);
    const results = await Promise.all(Array.from({ length: 30 }, () => connect(strict.url)));
    await sleep(500);
    const refused = results.filter((client) => client.closed?.code === 1013);
    expect(refused.length).toBeGreaterThanOrEqual(15);
    expect(JSON.parse(refused[0]!.closed!.reason)).toEqual({ code: 'OVERLOADED', retryMs: 2000 });
    expect(metricValue(await strict.metrics(), 'ws_admission_rejections_total', { reason: 'queue_full' })).toBe(refused.length);
  }, 60_000);

  it('drains on SIGTERM: stops accepting, keeps spliced clients streaming, then closes them with 1012', async () => {
    const fleet = await startShards(1);
    const lb = await startLb(fleet, ['--drain-timeout=3'], 1);
    const client = await connect(lb.url);
    await client.subscribe(['DRAIN.trade']);
    const exited = new Promise<void>((resolve) => lb.child.once('exit', () => resolve()));
    const signalledAt = Date.now();
    lb.child.kill('SIGTERM');
    await produce(topic, [{ key: 'DRAIN', value: seedValue({ n: 1 }) }]);
    await client.waitForData(1, 'DRAIN.trade'); // still streaming through the splice
    // No new handshake gets through: refused, or left hanging by the primary with no worker to take it.
    const attempt = TestClient.connect(lb.url).then(
      (late) => {
        late.terminate();
        return 'opened';
      },
      () => 'refused',
    );
    expect(await Promise.race([attempt, sleep(1000).then(() => 'no answer')])).not.toBe('opened');
    const closed = await client.closedPromise;
    expect(closed.code).toBe(1012);
    const reason = JSON.parse(closed.reason) as { code: string; retryMs: number };
    expect(reason.code).toBe('DRAINING');
    expect(reason.retryMs).toBeGreaterThanOrEqual(500);
    const closedAfter = Date.now() - signalledAt;
    expect(closedAfter).toBeGreaterThan(1_500); // 0.7 x the 3 s drain timeout
    await exited;
    expect(Date.now() - signalledAt).toBeLessThan(3_000 + 1_500);
  });

  it('follows a shard list file: shards join and leave without a restart, spliced clients stay', async () => {
    const [first, second] = await startShards(2);
    const file = join(mkdtempSync(join(tmpdir(), 'odin-lb-')), 'shards.txt');
    writeFileSync(file, `# discovery output\n${first!.url}\n`);
    const lb = await startLoadBalancerProcess({ args: [`--backend-urls-file=${file}`] });
    lbs.push(lb);
    // Each /health lands on one worker; eight answers in a row that agree mean every worker re-read the file.
    const everyWorkerHas = async (ids: string[]) => {
      for (let i = 0; i < 8; i++) {
        const health = await lb.health();
        if (health.shards.map((shard) => shard['id']).join() !== ids.join() || !health.shards.every((shard) => shard['ready'] === true)) return false;
      }
      return true;
    };
    await waitFor('the first shard in every worker', () => everyWorkerHas([first!.shardId]));
    const early = await Promise.all(Array.from({ length: 4 }, () => connect(lb.url)));
    await waitFor('4 clients on the first shard', async () => (await connectionsOf(first!)) === 4);

    writeFileSync(file, `${first!.url}\n${second!.url}\n`);
    await waitFor('both shards in every worker', () => everyWorkerHas([first!.shardId, second!.shardId]));
    writeFileSync(file, `${second!.url}\n`);
    await waitFor('only the second shard left in every worker', () => everyWorkerHas([second!.shardId]));
    await Promise.all(Array.from({ length: 4 }, () => connect(lb.url)));
    await waitFor('4 clients on the second shard', async () => (await connectionsOf(second!)) === 4);
    // Clients spliced to the shard that left the list keep streaming.
    await Promise.all(early.map((client) => client.subscribe(['KEEP.trade'])));
    await produce(topic, [{ key: 'KEEP', value: seedValue({ n: 1 }) }]);
    await Promise.all(early.map((client) => client.waitForData(1, 'KEEP.trade')));
    // Its gauges are gone (counters keep their history).
    const gauges = (await lb.metrics())
      .split('\n')
      .filter((line) => /^ws_(shard_ready|shard_health_score|shard_utilization|circuit_breaker_state)\{/.test(line));
    expect(gauges.filter((line) => line.includes(`shard_id="${second!.shardId}"`)).length).toBeGreaterThan(0);
    expect(gauges.filter((line) => line.includes(`shard_id="${first!.shardId}"`))).toEqual([]);
  });

  it('exports the seed metric names, aggregated over its workers', async () => {
    const fleet = await startShards(2);
    const lb = await startLb(fleet, [], 2);
    await Promise.all(Array.from({ length: 10 }, () => connect(lb.url)));
    const metrics = await lb.metrics();
    for (const name of [
      'ws_handshake_attempts_total',
      'ws_handshake_success_total',
      'ws_handshake_duration_seconds_bucket',
      'ws_handshake_retry_count',
      'ws_circuit_breaker_state',
      'ws_shard_health_score',
      'ws_shard_utilization',
      'ws_shard_recent_failures',
      'ws_proxied_connections_active',
      'ws_admission_queue_depth',
      'process_cpu_seconds_total',
    ]) {
      expect(metrics, name).toContain(name);
    }
    expect(metricValue(metrics, 'ws_handshake_success_total')).toBe(10);
    expect(metricValue(metrics, 'ws_proxied_connections_active')).toBe(10);
    // Two workers, each with a closed circuit per shard, labelled with the shard's own id (a worker
    // whose first poll timed out relabels its series at its first answer).
    await waitFor(
      'both workers to label the circuit with the shard id',
      async () => metricValue(await lb.metrics(), 'ws_circuit_breaker_state', { shard_id: fleet[0]!.shardId, state: 'closed' }) === 2,
    );
  });
});
