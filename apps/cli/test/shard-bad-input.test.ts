import { closeProducers, createTestTopic, metricValue, produce, type ShardProcess, seedValue, startShardProcess, TestClient, waitFor } from '@odin-ws/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/**
 * Every bad record a Kafka producer can write is dropped and counted, and handshakes past the
 * connection limit are refused, while a bystander client keeps receiving as before. Hostile input
 * from clients, at both tiers, is in hostile-input.test.ts.
 */
describe('shard bad input from Kafka, and past its limits', () => {
  let topic: string;
  let shard: ShardProcess;
  let bystander: TestClient;
  const clients: TestClient[] = [];
  const connect = async () => {
    const client = await TestClient.connect(shard.url);
    clients.push(client);
    return client;
  };
  let bystanderSeq = 0;
  /** The bystander still gets a fresh record: nothing the bad input did reached it. */
  const bystanderStillServed = async () => {
    const n = ++bystanderSeq;
    await produce(topic, [{ key: 'OK', value: seedValue({ n }) }]);
    await waitFor(`bystander record ${n}`, () => bystander.dataMessages('OK.trade').some((m) => (m['data'] as { data: { n: number } }).data.n === n));
    expect(bystander.closed).toBeUndefined();
  };

  beforeAll(async () => {
    topic = await createTestTopic('badinput', 2);
    shard = await startShardProcess({
      topics: [topic],
      args: [`--channel-map=${topic}=trade`, '--max-record-size=2048', '--max-connections=40'],
    });
    bystander = await connect();
    await bystander.subscribe(['OK.trade']);
  });

  afterAll(async () => {
    for (const client of clients) client.terminate();
    await shard?.stop();
    await closeProducers();
  });

  it.each([
    ['a record without a key', { key: null, value: seedValue({}) }, 'missing_key'],
    ['a record whose key cannot name a channel', { key: 'bad key"}', value: seedValue({}) }, 'invalid_key'],
    ['a record with a 100 KB key', { key: 'K'.repeat(100_000), value: seedValue({}) }, 'invalid_key'],
    ['a record whose value is not JSON', { key: 'OK', value: '{"type":' }, 'invalid_json'],
    ['a record with an empty value', { key: 'OK', value: null }, 'empty_value'],
    ['a record over the record size limit', { key: 'OK', value: seedValue({ pad: 'x'.repeat(5000) }) }, 'oversized'],
    ['a record of binary garbage', { key: 'OK', value: Buffer.from([0xff, 0x00, 0xfe, 0x01]) }, 'invalid_json'],
  ])('drops %s from Kafka, counts it, and keeps streaming', async (_label, message, reason) => {
    await produce(topic, [message]);
    await waitFor(`dropped record metric ${reason}`, async () => metricValue(await shard.metrics(), 'ws_kafka_records_dropped_total', { reason }) > 0);
    await bystanderStillServed();
    expect(bystander.messages.filter((m) => m['type'] === 'error')).toHaveLength(0);
  });

  it('refuses handshakes beyond max connections with 503 and Retry-After', async () => {
    const open: TestClient[] = [];
    let refusal: Error | undefined;
    for (let i = 0; i < 60 && !refusal; i++) {
      try {
        open.push(await connect());
      } catch (error) {
        refusal = error as Error;
      }
    }
    expect(refusal?.message).toMatch(/HTTP 503 retry-after=2/);
    expect((await shard.health())['connections']).toBe(40);
    await waitFor('rejection metric', async () => metricValue(await shard.metrics(), 'ws_connections_rejected_total', { reason: 'at_capacity' }) > 0);
    for (const client of open) client.terminate();
    await waitFor('connections released', async () => ((await shard.health())['connections'] as number) < 40);
    await bystanderStillServed();
  });
});
