import { spawn } from 'node:child_process';
import {
  ClientCrowd,
  closeProducers,
  createTestTopic,
  freePortRange,
  KAFKA_SCRIPT,
  type LoadBalancerProcess,
  type ShardProcess,
  sleep,
  startLoadBalancerProcess,
  startSequenceFeed,
  startShardProcess,
  waitFor,
} from '@odin-ws/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/** Its own broker, so stopping it cannot disturb the tests that share the main one. */
const BROKER_NAME = 'restart-test';
/** Picked free at the start (two consecutive ports: the broker's and its controller's), then kept across the restart. */
let brokerPort = 0;
let brokers = '';
const KEYS = ['R1', 'R2', 'R3', 'R4'];

/** Async on purpose: a blocking spawnSync would stall the vitest worker for the broker's whole start-up. */
function kafka(command: 'up' | 'down', ...extra: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn('bash', [KAFKA_SCRIPT, command, '--name', BROKER_NAME, '--port', String(brokerPort), '--topics', '', ...extra], { stdio: 'inherit' });
    child.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`kafka.sh ${command} exited ${code}`))));
  });
}

describe('fleet across a Kafka broker restart', () => {
  let shards: ShardProcess[] = [];
  let lb: LoadBalancerProcess | undefined;
  let crowd: ClientCrowd | undefined;

  beforeAll(async () => {
    brokerPort = await freePortRange(2);
    brokers = `127.0.0.1:${brokerPort}`;
    await kafka('up');
  }, 120_000);
  afterAll(async () => {
    crowd?.close();
    await lb?.stop();
    await Promise.all(shards.map((shard) => shard.stop()));
    await closeProducers();
    await kafka('down', '--wipe');
  }, 120_000);

  it('shards stay up and report the outage, clients stay connected, and streaming resumes with no gap or duplicate', async () => {
    const topic = await createTestTopic('restart', 2, brokers);
    shards = await Promise.all([0, 1].map(() => startShardProcess({ topics: [topic], brokers: brokers, args: [`--channel-map=${topic}=trade`] })));
    lb = await startLoadBalancerProcess({ backendUrls: shards.map((shard) => shard.url) });
    await waitFor('both shards ready in the LB', async () => (await lb!.health()).shards.every((shard) => shard['ready'] === true), 15_000);
    const before = startSequenceFeed({ topic, keys: KEYS, ratePerSecond: 40, brokers: brokers });
    crowd = await ClientCrowd.start({ url: lb.url, count: 200, channels: KEYS.map((key) => `${key}.trade`), channelsPerClient: 2 });
    const producedBefore = await before.stop();
    await crowd.waitForLast(producedBefore);

    await kafka('down');
    for (const shard of shards) {
      await waitFor('/ready to report the outage', async () => (await fetch(`${shard.httpUrl}/ready`)).status === 503, 60_000, 250);
      const health = await shard.health();
      expect(health['status']).toBe('degraded');
      expect((health['kafka'] as { state: string }).state).not.toBe('consuming');
      expect(shard.child.exitCode).toBeNull();
    }
    await sleep(2_000);

    await kafka('up');
    // Produced while the shards are still rejoining: they must resume from the positions they
    // reached, not jump to the latest offset.
    const after = startSequenceFeed({ topic, keys: KEYS, ratePerSecond: 40, brokers: brokers, continueFrom: producedBefore });
    for (const shard of shards) await waitFor('the shard to consume again', async () => (await fetch(`${shard.httpUrl}/ready`)).status === 200, 90_000, 250);
    await sleep(1_000);
    const produced = await after.stop();
    await crowd.waitForLast(produced, 30_000);
    const report = crowd.verify(produced);
    expect(report.problems).toEqual([]);
    expect(report.complete).toBe(200);
    expect(report.reconnects).toBe(0); // nobody was disconnected by the outage
  }, 240_000);
});
