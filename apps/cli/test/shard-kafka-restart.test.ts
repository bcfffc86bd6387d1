import {
  ClientCrowd,
  closeProducers,
  createTestTopic,
  type LoadBalancerProcess,
  type LocalBroker,
  localBroker,
  type ShardProcess,
  sleep,
  startLoadBalancerProcess,
  startSequenceFeed,
  startShardProcess,
  waitFor,
} from '@odin-ws/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const KEYS = ['R1', 'R2', 'R3', 'R4'];

describe('fleet across a Kafka broker restart', () => {
  let shards: ShardProcess[] = [];
  let lb: LoadBalancerProcess | undefined;
  let crowd: ClientCrowd | undefined;

  /** Its own broker, so stopping it cannot disturb the tests that share the main one. */
  let broker: LocalBroker;
  let brokers = '';

  beforeAll(async () => {
    broker = await localBroker('restart-test');
    brokers = broker.brokers;
    await broker.up();
  }, 120_000);
  afterAll(async () => {
    crowd?.close();
    await lb?.stop();
    await Promise.all(shards.map((shard) => shard.stop()));
    await closeProducers();
    await broker.down({ wipe: true });
  }, 120_000);

  it('shards stay up and report the outage, clients stay connected, and streaming resumes with no gap or duplicate', async () => {
    const topic = await createTestTopic('restart', 2, brokers);
    shards = await Promise.all([0, 1].map(() => startShardProcess({ topics: [topic], brokers: brokers, args: [`--channel-map=${topic}=trade`] })));
    lb = await startLoadBalancerProcess({ backendUrls: shards.map((shard) => shard.url) });
    await lb!.waitForShardsReady();
    const before = startSequenceFeed({ topic, keys: KEYS, ratePerSecond: 40, brokers: brokers });
    crowd = await ClientCrowd.start({ url: lb.url, count: 200, channels: KEYS.map((key) => `${key}.trade`), channelsPerClient: 2 });
    const producedBefore = await before.stop();
    await crowd.waitForLast(producedBefore);

    await broker.down();
    for (const shard of shards) {
      await waitFor('/ready to report the outage', async () => (await fetch(`${shard.httpUrl}/ready`)).status === 503, 60_000, 250);
      const health = await shard.health();
      expect(health['status']).toBe('degraded');
      expect((health['kafka'] as { state: string }).state).not.toBe('consuming');
      expect(shard.child.exitCode).toBeNull();
    }
    await sleep(2_000);

    await broker.up();
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
