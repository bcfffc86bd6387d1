import { spawnSync } from 'node:child_process';
import {
  addPartitions,
  ClientCrowd,
  closeProducers,
  createTestTopic,
  kafkaBrokers,
  metricValue,
  type ShardProcess,
  sleep,
  startSequenceFeed,
  startShardProcess,
  waitFor,
} from '@odin-ws/testkit';
import { afterAll, describe, expect, it } from 'vitest';

/** Twelve keys: with 2 partitions growing to 6, murmur2 moves some of them onto the new partitions. */
const KEYS = Array.from({ length: 12 }, (_, i) => `P${i}`);

/** Records per partition, read back with kcat (a consumer we did not write). */
function recordsPerPartition(topic: string): Map<number, number> {
  const result = spawnSync('kcat', ['-C', '-b', kafkaBrokers(), '-t', topic, '-e', '-q', '-f', '%p\\n'], { encoding: 'utf8' });
  const counts = new Map<number, number>();
  for (const line of result.stdout.split('\n').filter(Boolean)) counts.set(Number(line), (counts.get(Number(line)) ?? 0) + 1);
  return counts;
}

describe('partitions added to a live topic', () => {
  let shard: ShardProcess | undefined;
  let crowd: ClientCrowd | undefined;

  afterAll(async () => {
    crowd?.close();
    await shard?.stop();
    await closeProducers();
  });

  it('are read within 10 s from their first record, while 1,000 clients stream: nothing lost', async () => {
    const topic = await createTestTopic('grow', 2);
    // The shard re-reads metadata every 5 s (the default), the test's producer every second: records
    // land on the new partitions before the shard knows them, so it must read those from the start.
    shard = await startShardProcess({ topics: [topic], args: [`--channel-map=${topic}=trade`] });
    await waitFor('the shard to consume', async () => (await shard!.health())['status'] === 'ok', 30_000);
    const feed = startSequenceFeed({ topic, keys: KEYS, ratePerSecond: 120 });
    crowd = await ClientCrowd.start({ url: shard.url, count: 1000, channels: KEYS.map((key) => `${key}.trade`), channelsPerClient: 2 });
    await crowd.waitUntilSubscribed();

    await addPartitions(topic, 6);
    const grownAt = Date.now();
    await waitFor(
      'the shard to read the 4 new partitions',
      async () => metricValue(await shard!.metrics(), 'ws_kafka_partitions_added_total') === 4,
      10_000,
      100,
    );
    const noticedAfterMs = Date.now() - grownAt;
    await sleep(4_000); // the producer moves keys onto the new partitions, the shard keeps up
    const produced = await feed.stop();
    await crowd.waitForLast(produced, 30_000);

    const report = crowd.verify(produced);
    expect(report.problems).toEqual([]);
    expect(report.complete).toBe(1000);
    // Checked against Kafka itself: every record is in the topic, some of them on the new partitions.
    const perPartition = recordsPerPartition(topic);
    const total = [...perPartition.values()].reduce((sum, n) => sum + n, 0);
    expect(total).toBe([...produced.values()].reduce((sum, n) => sum + n, 0));
    expect([2, 3, 4, 5].some((partition) => (perPartition.get(partition) ?? 0) > 0)).toBe(true);
    expect(noticedAfterMs).toBeLessThan(10_000);
    expect(shard.output()).toContain('partition added to a live topic');
  }, 120_000);
});
