import { MarketDataGenerator } from '@odin-ws/feed';
import {
  createTestTopic,
  type LoadBalancerProcess,
  OpenedClients,
  produce,
  type ShardProcess,
  startLoadBalancerProcess,
  startShardProcess,
} from '@odin-ws/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const RECORDS = 60;

/**
 * permessage-deflate end to end, with `ws` (a client we did not write) on realistic book updates: a
 * client that offers it gets compressed frames, from the shard and through the load balancer (whose
 * splice passes the extension's answer and the frames through), and reads exactly what a plain client
 * reads; a client that does not offer it (every seed client) gets plain frames; --permessage-deflate off
 * negotiates nothing.
 */
describe('permessage-deflate (real shard and LB)', () => {
  let topic: string;
  const shards: ShardProcess[] = [];
  let lb: LoadBalancerProcess;
  const clients = new OpenedClients();

  beforeAll(async () => {
    topic = await createTestTopic('deflate', 1);
    for (const mode of ['shared', 'off']) {
      shards.push(await startShardProcess({ topics: [topic], args: [`--channel-map=${topic}=book`, `--permessage-deflate=${mode}`] }));
    }
    lb = await startLoadBalancerProcess({ backendUrls: [shards[0]!.url] });
  }, 60_000);

  afterAll(async () => {
    clients.terminateAll();
    await lb?.stop();
    await Promise.all(shards.map((shard) => shard.stop()));
  });

  const connect = async (url: string, deflate: boolean) => {
    const client = await clients.connect(url, { perMessageDeflate: deflate });
    await client.subscribe(['SOL.book']);
    return client;
  };

  it('compresses for clients that offer it, at the shard and through the LB, and changes nothing for the others', async () => {
    const [shard, offShard] = shards as [ShardProcess, ShardProcess];
    const plain = await connect(shard.url, false);
    const direct = await connect(shard.url, true);
    const throughLb = await connect(lb.url, true);
    const refused = await connect(offShard.url, true);
    expect(plain.socket.extensions).toBe('');
    expect(direct.socket.extensions).toContain('permessage-deflate');
    expect(throughLb.socket.extensions).toContain('permessage-deflate');
    expect(refused.socket.extensions).toBe('');

    const before = clients.all.map((client) => client.wireBytesRead);
    const generator = new MarketDataGenerator(['SOL'], { books: 'full' });
    await produce(
      topic,
      Array.from({ length: RECORDS }, (_, i) => ({ key: 'SOL', value: generator.next('book', 1_700_000_000_000 + i).value })),
    );
    const received = await Promise.all([plain, direct, throughLb, refused].map((client) => client.waitForData(RECORDS, 'SOL.book')));
    // Every client read the same envelopes, byte for byte once parsed.
    for (const envelopes of received.slice(1)) expect(envelopes).toEqual(received[0]);
    const bytes = clients.all.map((client, i) => client.wireBytesRead - before[i]!);
    const [plainBytes, directBytes, lbBytes, refusedBytes] = bytes as [number, number, number, number];
    console.log(
      `[deflate] wire bytes for ${RECORDS} book updates: plain ${plainBytes}, shared deflate ${directBytes} (${(directBytes / plainBytes).toFixed(2)}x), through the LB ${lbBytes}, off ${refusedBytes}`,
    );
    expect(directBytes / plainBytes).toBeLessThan(0.6);
    expect(lbBytes).toBe(directBytes);
    expect(refusedBytes).toBe(plainBytes);
  });
});
