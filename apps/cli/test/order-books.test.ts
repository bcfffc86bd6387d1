import { crc32 } from 'node:zlib';
import { createTestTopic, metricValue, OpenedClients, produce, type ShardProcess, startShardProcess, type TestClient, waitFor } from '@odin-ws/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// Maintained books end to end: a producer publishes a book as incremental updates (docs/market-data.md),
// a real shard maintains it, and clients written here from the page alone (their own book, their own
// checksum with node:zlib's crc32) end with exactly the producer's book.

type Side = Map<string, string>;

/** The producer's book: prices on a 0.1 tick, quantities as decimal strings, a seq per change. */
class ProducerBook {
  readonly bids: Side = new Map();
  readonly asks: Side = new Map();
  seq = 0;
  private state = 7;

  constructor() {
    for (let i = 1; i <= 50; i++) {
      this.bids.set(price(9700 - i), quantity(i));
      this.asks.set(price(9700 + i), quantity(i + 3));
    }
  }

  snapshot(): string {
    return JSON.stringify({ type: 'BOOK_SNAPSHOT', timestamp: Date.now(), data: { symbol: 'OB', seq: this.seq, bids: [...this.bids], asks: [...this.asks] } });
  }

  /** A few levels changed: new sizes, removals, levels added deeper. */
  update(prevSeq = this.seq): string {
    const changes: { bids: Array<[string, string]>; asks: Array<[string, string]> } = { bids: [], asks: [] };
    for (let i = 0; i < 3; i++) {
      const sideName = this.next() % 2 === 0 ? 'bids' : 'asks';
      const side = this[sideName];
      const ticks = sideName === 'bids' ? 9700 - 1 - (this.next() % 60) : 9700 + 1 + (this.next() % 60);
      const level = price(ticks);
      const size = this.next() % 5 === 0 ? '0' : quantity(1 + (this.next() % 40));
      if (size === '0') side.delete(level);
      else side.set(level, size);
      changes[sideName].push([level, size]);
    }
    this.seq += 1;
    return JSON.stringify({ type: 'BOOK_UPDATE', timestamp: Date.now(), data: { symbol: 'OB', seq: this.seq, prevSeq, ...changes } });
  }

  private next(): number {
    this.state = (this.state * 1103515245 + 12345) % 2147483648;
    return this.state >>> 8;
  }
}

const price = (ticks: number) => `${Math.floor(ticks / 10)}.${ticks % 10}`;
const quantity = (n: number) => `${Math.floor(n / 4)}.${(n % 4) * 25}`.replace(/\.0$/, '.00');

/** A client's copy, maintained as docs/market-data.md says; sides kept as price -> quantity text. */
class ClientBook {
  bids: Side = new Map();
  asks: Side = new Map();
  seq = -1;
  checksumsChecked = 0;
  readonly problems: string[] = [];

  apply(envelope: Record<string, unknown>): void {
    const record = envelope['data'] as {
      type: string;
      data: { seq: number; prevSeq?: number; bids?: Array<[string, string]>; asks?: Array<[string, string]> };
    };
    const { data } = record;
    if (record.type === 'BOOK_SNAPSHOT') {
      this.bids = new Map(data.bids ?? []);
      this.asks = new Map(data.asks ?? []);
    } else {
      if (data.prevSeq !== this.seq) this.problems.push(`seq ${data.seq}: prevSeq ${data.prevSeq}, held ${this.seq}`);
      for (const [level, size] of data.bids ?? []) Number(size) === 0 ? this.bids.delete(level) : this.bids.set(level, size);
      for (const [level, size] of data.asks ?? []) Number(size) === 0 ? this.asks.delete(level) : this.asks.set(level, size);
    }
    this.seq = data.seq;
    if (this.checksum() !== envelope['checksum']) this.problems.push(`seq ${data.seq}: checksum ${this.checksum()}, envelope ${String(envelope['checksum'])}`);
    this.checksumsChecked++;
  }

  checksum(): number {
    const digits = (text: string) => text.replace('.', '').replace(/^0+/, '');
    const top = (side: Side, descending: boolean) =>
      [...side]
        .sort(([a], [b]) => (descending ? Number(b) - Number(a) : Number(a) - Number(b)))
        .slice(0, 10)
        .map(([level, size]) => digits(level) + digits(size))
        .join('');
    return crc32(top(this.asks, false) + top(this.bids, true));
  }
}

const sorted = (side: Side) => [...side].sort(([a], [b]) => Number(a) - Number(b));

describe('maintained books (real shard, books fed incremental updates)', () => {
  let topic: string;
  let shard: ShardProcess;
  const clients = new OpenedClients();
  const producer = new ProducerBook();
  const send = (values: string[]) =>
    produce(
      topic,
      values.map((value) => ({ key: 'OB', value })),
    );

  beforeAll(async () => {
    topic = await createTestTopic('order-books', 1);
    shard = await startShardProcess({ topics: [topic], args: [`--channel-map=${topic}=book`] });
  }, 60_000);

  afterAll(async () => {
    clients.terminateAll();
    await shard?.stop();
  });

  const follow = async (channel: string): Promise<TestClient> => {
    const client = await clients.connect(shard.url);
    await client.request({ type: 'subscribe', data: { channels: [channel], snapshot: true } }, 'subscription_ack');
    return client;
  };

  it('gives a subscriber the book as a snapshot, then every update with a checksum its own copy matches, ending with the producer’s book', async () => {
    await send([producer.snapshot(), ...Array.from({ length: 300 }, () => producer.update())]);
    const early = await waitFor('the book built', async () => {
      const client = await follow('OB.book');
      const first = await waitFor('a snapshot', () => client.dataMessages('OB.book')[0], 5000);
      if ((first['data'] as { data: { seq: number } }).data.seq === 300) return client;
      client.terminate();
      return undefined;
    });
    const book = new ClientBook();
    const variant = await follow('OB.book@250ms');
    const updates: string[] = [];
    for (let i = 0; i < 1200; i++) updates.push(producer.update());
    for (let i = 0; i < updates.length; i += 200) await send(updates.slice(i, i + 200));
    const all = await early.waitForData(1201, 'OB.book', 30_000);
    for (const envelope of all) book.apply(envelope);
    expect(book.problems).toEqual([]);
    expect(book.checksumsChecked).toBe(1201);
    expect(book.seq).toBe(producer.seq);
    expect(sorted(book.bids)).toEqual(sorted(producer.bids));
    expect(sorted(book.asks)).toEqual(sorted(producer.asks));
    // The rate variant is merged, never lossy: its snapshot, then one update per interval holding every
    // level changed since its previous message; applied in order, with the same checks, it is the book.
    await waitFor(
      'the variant at the last seq',
      () => variant.dataMessages().some((m) => (m['data'] as { data: { seq: number } }).data.seq === producer.seq),
      5000,
    );
    const merged = new ClientBook();
    for (const envelope of variant.dataMessages()) merged.apply(envelope);
    expect(merged.problems).toEqual([]);
    expect(variant.dataMessages().length).toBeLessThan(all.length / 4);
    expect(sorted(merged.bids)).toEqual(sorted(producer.bids));
    expect(sorted(merged.asks)).toEqual(sorted(producer.asks));
  }, 90_000);

  it('after a gap in prevSeq sends nothing of the book until the next snapshot, which goes out marked as one', async () => {
    const client = await follow('OB.book');
    await waitFor('the snapshot', () => client.dataMessages('OB.book')[0], 5000);
    const before = client.dataMessages('OB.book').length;
    producer.update(); // never published: the next one's prevSeq names a record the shard never saw
    await send([producer.update(), producer.update(), producer.update()]);
    await send([producer.snapshot()]);
    const healed = await waitFor('the healing snapshot', () => client.dataMessages('OB.book').slice(before)[0], 10_000);
    expect(healed).toMatchObject({ snapshot: true, data: { type: 'BOOK_SNAPSHOT', data: { seq: producer.seq } } });
    expect(client.dataMessages('OB.book').slice(before)).toHaveLength(1);
    expect(metricValue(await shard.metrics(), 'ws_book_gaps_total')).toBe(1);
    const book = new ClientBook();
    book.apply(healed);
    expect(book.problems).toEqual([]);
    expect(sorted(book.bids)).toEqual(sorted(producer.bids));
  }, 60_000);

  it('at "depth": 10, sends the top 10 as a snapshot only when those levels change, on the book and on its variant', async () => {
    const client = await clients.connect(shard.url);
    await client.request({ type: 'subscribe', data: { channels: ['OB.book', 'OB.book@250ms'], snapshot: true, depth: 10 } }, 'subscription_ack');
    await waitFor('two top-10 snapshots', () => (client.dataMessages().length >= 2 ? true : undefined), 5000);
    const deep = (seq: number, size: string) =>
      JSON.stringify({ type: 'BOOK_UPDATE', timestamp: Date.now(), data: { symbol: 'OB', seq, prevSeq: seq - 1, bids: [['900.0', size]], asks: [] } });
    const start = producer.seq;
    const deepUpdates = Array.from({ length: 20 }, (_, i) => deep(start + 1 + i, `${i + 1}.00`));
    producer.seq += 20;
    producer.bids.set('900.0', '20.00');
    await send(deepUpdates);
    await new Promise((resolve) => setTimeout(resolve, 600));
    expect(client.dataMessages()).toHaveLength(2); // below the top 10: nothing
    // The best bid changes: the top 10 with it.
    const best = [...producer.bids.keys()].sort((a, b) => Number(b) - Number(a))[0]!;
    producer.bids.set(best, '33.00');
    producer.seq += 1;
    await send([
      JSON.stringify({
        type: 'BOOK_UPDATE',
        timestamp: Date.now(),
        data: { symbol: 'OB', seq: producer.seq, prevSeq: producer.seq - 1, bids: [[best, '33.00']], asks: [] },
      }),
    ]);
    await waitFor('a new top 10', () => client.dataMessages().find((m) => (m['data'] as { data: { seq: number } }).data.seq === producer.seq), 5000);
    await new Promise((resolve) => setTimeout(resolve, 600));
    for (const message of client.dataMessages()) {
      const { bids, asks } = (message['data'] as { data: { bids: unknown[]; asks: unknown[] } }).data;
      expect([bids.length, asks.length]).toEqual([10, 10]);
    }
    const last = client.dataMessages('OB.book').at(-1)!;
    const copy = new ClientBook();
    copy.apply(last);
    expect(copy.problems).toEqual([]);
    expect(sorted(copy.bids)).toEqual(
      sorted(producer.bids)
        .sort(([a], [b]) => Number(b) - Number(a))
        .slice(0, 10)
        .sort(([a], [b]) => Number(a) - Number(b)),
    );
  }, 60_000);
});
