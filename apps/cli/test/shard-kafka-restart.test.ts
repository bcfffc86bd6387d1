import { spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KAFKA_SCRIPT, TestClient, closeProducers, createTestTopic, produce, seedValue, sleep, startShardProcess, waitFor, type ShardProcess } from '@odin-ws/testkit';

/** Its own broker, so stopping it cannot disturb the tests that share the main one. */
const BROKER_NAME = 'restart-test';
const BROKER_PORT = 19092;
const BROKERS = `127.0.0.1:${BROKER_PORT}`;

/** Async on purpose: a blocking spawnSync would stall the vitest worker for the broker's whole start-up. */
function kafka(command: 'up' | 'down', ...extra: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn('bash', [KAFKA_SCRIPT, command, '--name', BROKER_NAME, '--port', String(BROKER_PORT), '--topics', '', ...extra], { stdio: 'inherit' });
    child.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`kafka.sh ${command} exited ${code}`))));
  });
}

describe('shard across a Kafka broker restart', () => {
  let shard: ShardProcess;
  let topic: string;

  beforeAll(() => kafka('up'), 120_000);
  afterAll(async () => {
    await shard?.stop();
    await closeProducers();
    await kafka('down', '--wipe');
  }, 120_000);

  it('stays up, reports the outage, keeps clients connected and resumes streaming with no gap or duplicate', async () => {
    topic = await createTestTopic('restart', 2, BROKERS);
    shard = await startShardProcess({ topics: [topic], brokers: BROKERS, args: [`--channel-map=${topic}=trade`] });
    const client = await TestClient.connect(shard.url);
    await client.subscribe(['R.trade']);
    const send = (from: number, count: number) =>
      produce(topic, Array.from({ length: count }, (_, i) => ({ key: 'R', value: seedValue({ n: from + i }) })), BROKERS);
    await send(0, 10);
    await client.waitForData(10, 'R.trade');

    await kafka('down');
    await waitFor('/ready to report the outage', async () => (await fetch(`${shard.httpUrl}/ready`)).status === 503, 60_000, 250);
    const health = await shard.health();
    expect(health['status']).toBe('degraded');
    expect((health['kafka'] as { state: string }).state).not.toBe('consuming');
    expect(shard.child.exitCode).toBeNull();
    expect(client.closed).toBeUndefined();
    await sleep(2_000);
    expect(client.closed).toBeUndefined();

    await kafka('up');
    // Produced while the shard is still rejoining: it must resume from its committed position,
    // not jump to the latest offset.
    await send(10, 10);
    expect((await fetch(`${shard.httpUrl}/ready`)).status).toBe(503);
    await waitFor('the shard to consume again', async () => (await fetch(`${shard.httpUrl}/ready`)).status === 200, 90_000, 250);
    await send(20, 10);
    const received = await client.waitForData(30, 'R.trade', 30_000);
    await sleep(500);
    expect(client.dataMessages('R.trade').map((m) => (m['data'] as { data: { n: number } }).data.n)).toEqual(Array.from({ length: 30 }, (_, n) => n));
    expect(received).toHaveLength(30);
    expect(client.closed).toBeUndefined();
  }, 240_000);
});
