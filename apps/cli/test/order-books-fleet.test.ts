import {
  closeProducers,
  createTestTopic,
  type LoadBalancerProcess,
  metricValue,
  produce,
  type ShardProcess,
  sleep,
  stablePortRange,
  startLoadBalancerProcess,
  startShardProcess,
  TestClient,
  waitFor,
} from '@odin-ws/testkit';
import { afterEach, describe, expect, it } from 'vitest';
import { bookText, ClientBook, ProducerBook, sorted } from './book-parties.js';

// Maintained books across a fleet, as docs/market-data.md promises them to a client written from that page:
// through the LB, across a shard killed and one started mid-stream, the client ends with exactly the
// producer's book and every checksum matches; after a gap it gets nothing until the healing snapshot.

type Envelope = Record<string, unknown>;
const seqOf = (envelope: Envelope) => (envelope['data'] as { data: { seq: number } }).data.seq;

/**
 * A client of one book through the LB, as the page says: subscribe with "snapshot": true, apply each
 * message, check prevSeq and the checksum; when its connection drops, connect again and resume from the
 * last position it holds (`since`, with "snapshot": true for when the history cannot cover it).
 */
class FleetBookClient {
  readonly book = new ClientBook();
  readonly received: Envelope[] = [];
  connections = 0;
  private position: unknown;
  private socket: TestClient | undefined;
  private stopped = false;

  constructor(
    private readonly url: string,
    private readonly channel: string,
  ) {}

  async start(): Promise<void> {
    await this.connect();
  }

  stop(): void {
    this.stopped = true;
    this.socket?.terminate();
  }

  private async connect(): Promise<void> {
    const client = await waitFor('a connection through the LB', () => TestClient.connect(this.url).catch(() => undefined), 20_000, 100);
    this.socket = client;
    this.connections++;
    client.socket.on('message', (data, isBinary) => {
      if (isBinary) return;
      const message = JSON.parse(data.toString()) as Envelope;
      if (message['channel'] !== this.channel || !('data' in message) || message['type'] === 'subscription_ack') return;
      this.received.push(message);
      this.book.apply(message);
      this.position = message['pos'];
    });
    void client.closedPromise.then(() => {
      if (!this.stopped) void this.connect();
    });
    const resume = this.position === undefined ? {} : { since: { [this.channel]: this.position } };
    client.send({ type: 'subscribe', data: { channels: [this.channel], snapshot: true, ...resume } });
  }
}

describe('maintained books across a fleet (LB, shards killed and started mid-stream)', () => {
  const shards: ShardProcess[] = [];
  const lbs: LoadBalancerProcess[] = [];
  const clients: FleetBookClient[] = [];

  afterEach(async () => {
    for (const client of clients.splice(0)) client.stop();
    await Promise.all(lbs.splice(0).map((lb) => lb.stop()));
    await Promise.all(shards.splice(0).map((shard) => shard.stop()));
    await closeProducers();
  });

  it('a client through the LB ends with the producer’s book across a shard kill and a shard started mid-stream; after a gap, nothing until the healing snapshot', async () => {
    const topic = await createTestTopic('books-fleet', 1);
    const producer = new ProducerBook('FL', true);
    const send = (values: string[]) =>
      produce(
        topic,
        values.map((value) => ({ key: 'FL', value })),
      );
    await send([producer.snapshot()]);
    const shardArgs = [`--channel-map=${topic}=book`];
    const start = (port?: number) => startShardProcess({ topics: [topic], args: shardArgs, ...(port ? { port } : {}) });
    const [first, second] = await Promise.all([start(), start()]);
    shards.push(first!, second!);
    // Below the ephemeral range: bound only later, it must not be taken by an outgoing socket meanwhile.
    const latePort = await stablePortRange(1);
    const lb = await startLoadBalancerProcess({ backendUrls: [first!.url, second!.url, `ws://127.0.0.1:${latePort}/ws`] });
    lbs.push(lb);
    await lb.waitForShardsReady(2);
    const plain = new FleetBookClient(lb.url, 'FL.book');
    const merged = new FleetBookClient(lb.url, 'FL.book@250ms');
    clients.push(plain, merged);
    await Promise.all([plain.start(), merged.start()]);
    await waitFor('both snapshots', () => (plain.received.length > 0 && merged.received.length > 0 ? true : undefined), 10_000);

    // 1,500 updates in batches of 25 every 40 ms, a snapshot every 150; one update withheld at 1,200 (a gap).
    let gapSeq = 0;
    const stream = async (from: number, to: number) => {
      for (let n = from; n < to; n += 25) {
        const batch: string[] = [];
        for (let i = n; i < Math.min(to, n + 25); i++) {
          if (i === 1200) {
            producer.update(); // never published: the next one's prevSeq names a record no shard saw
            gapSeq = producer.seq;
            continue;
          }
          batch.push(producer.update());
          if (i % 150 === 149) batch.push(producer.snapshot());
        }
        await send(batch);
        await sleep(40);
      }
    };
    await stream(0, 400);
    await first!.stop();
    await stream(400, 600);
    const late = await start(latePort);
    shards.push(late);
    await lb.waitForShardsReady(2);
    await stream(600, 1000);
    await second!.stop(); // every client is now on the shard that started mid-stream
    await stream(1000, 1500);
    const end = producer.seq;
    await waitFor('both clients at the last seq', () => (plain.book.seq === end && merged.book.seq === end ? true : undefined), 20_000);

    expect(plain.connections).toBeGreaterThanOrEqual(2);
    for (const client of [plain, merged]) {
      expect(client.book.problems).toEqual([]);
      expect(sorted(client.book.bids)).toEqual(sorted(producer.bids));
      expect(sorted(client.book.asks)).toEqual(sorted(producer.asks));
      // Each message leaves the copy equal to the producer's book at that message's seq.
      const replayed = new ClientBook();
      for (const envelope of client.received) {
        replayed.apply(envelope);
        expect(bookText(replayed.bids, replayed.asks), `${client === plain ? 'plain' : '@250ms'} at seq ${seqOf(envelope)}`).toBe(
          producer.history.get(seqOf(envelope)),
        );
      }
      // Nothing between the gap and the snapshot that healed it, which came marked as one.
      const afterGap = client.received.filter((envelope) => seqOf(envelope) >= gapSeq);
      expect(afterGap[0]).toMatchObject({ snapshot: true, data: { type: 'BOOK_SNAPSHOT' } });
    }
    expect(plain.book.checksumsChecked).toBeGreaterThanOrEqual(1300);
    expect(metricValue(await late.metrics(), 'ws_book_gaps_total')).toBe(1);
  }, 120_000);

  it('a fresh shard reads book topics from --book-lookback back: a book whose last snapshot is older is stale when it reports ready, the others built', async () => {
    const topic = await createTestTopic('books-lookback', 1);
    const old = new ProducerBook('OLD');
    const recent = new ProducerBook('NEW');
    const longAgo = Date.now() - 120_000;
    await produce(topic, [
      { key: 'OLD', value: old.snapshot(longAgo), timestamp: longAgo },
      ...Array.from({ length: 20 }, () => ({ key: 'OLD', value: old.update(old.seq, longAgo), timestamp: longAgo })),
    ]);
    await produce(topic, [
      ...Array.from({ length: 20 }, () => ({ key: 'OLD', value: old.update() })),
      { key: 'NEW', value: recent.snapshot() },
      ...Array.from({ length: 20 }, () => ({ key: 'NEW', value: recent.update() })),
    ]);
    const shard = await startShardProcess({ topics: [topic], args: [`--channel-map=${topic}=book`, '--book-lookback=60', '--state-lookback=3600'] });
    shards.push(shard);
    // Ready means caught up: the books are as they will be, with no wait.
    const metrics = await shard.metrics();
    expect([metricValue(metrics, 'ws_books'), metricValue(metrics, 'ws_books_stale')]).toEqual([2, 1]);
    const client = await TestClient.connect(shard.url);
    const ack = await client.request({ type: 'subscribe', data: { channels: ['OLD.book', 'NEW.book'], snapshot: true } }, 'subscription_ack');
    expect(ack).toMatchObject({ stale: ['OLD.book'] });
    const [snapshot] = await client.waitForData(1, 'NEW.book');
    expect(snapshot).toMatchObject({ snapshot: true, data: { type: 'BOOK_SNAPSHOT', data: { seq: recent.seq } } });
    expect(client.dataMessages('OLD.book')).toEqual([]);
    // The producer's next snapshot heals the stale book.
    await produce(topic, [{ key: 'OLD', value: old.snapshot() }]);
    const [healed] = await client.waitForData(1, 'OLD.book');
    expect(healed).toMatchObject({ snapshot: true, data: { type: 'BOOK_SNAPSHOT', data: { seq: old.seq } } });
    client.terminate();
  }, 60_000);
});
