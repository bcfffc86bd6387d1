import { createTestTopic, metricValue, OpenedClients, produce, type ShardProcess, startShardProcess, type TestClient, waitFor } from '@odin-ws/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ClientBook, ProducerBook, sorted } from './book-parties.js';

// Maintained books end to end: a producer publishes a book as incremental updates (docs/market-data.md),
// a real shard maintains it, and clients written from the page alone (book-parties.ts) end with exactly
// the producer's book.

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

  it('drops every malformed book record with invalid_book, refuses a flood update like a gap, and keeps every other book streaming', async () => {
    const hostile = new ProducerBook('HX');
    await produce(topic, [{ key: 'HX', value: hostile.snapshot() }]);
    const client = await follow('OB.book');
    await waitFor('the OB snapshot', () => client.dataMessages('OB.book')[0], 5000);
    const record = (type: string, data: Record<string, unknown>) => JSON.stringify({ type, timestamp: Date.now(), data: { symbol: 'HX', ...data } });
    const malformed = [
      record('BOOK_UPDATE', { seq: 1, prevSeq: 0, bids: [['1e5', '1']] }), // an exponent
      record('BOOK_UPDATE', { seq: 1, prevSeq: 0, bids: [[97250.1, '1']] }), // a float price
      record('BOOK_UPDATE', { seq: 1, prevSeq: 0, bids: [['97250.1', '-1']] }), // a negative quantity
      record('BOOK_UPDATE', { seq: 1, prevSeq: 1, bids: [] }), // prevSeq not below seq
      record('BOOK_UPDATE', { seq: 1.5, prevSeq: 0 }), // seq not a whole number
      record('BOOK_SNAPSHOT', { seq: 2, bids: 'all of them' }),
      record('BOOK_SNAPSHOT', {
        seq: 2,
        asks: [
          ['1', '1', '1'.repeat(100)],
          ['2'.repeat(41), '1'],
        ],
      }), // a 41-digit price
    ];
    const before = metricValue(await shard.metrics(), 'ws_kafka_records_dropped_total', { reason: 'invalid_book' });
    await produce(
      topic,
      malformed.map((value) => ({ key: 'HX', value })),
    );
    await waitFor('every malformed record dropped', async () =>
      metricValue(await shard.metrics(), 'ws_kafka_records_dropped_total', { reason: 'invalid_book' }) - before === malformed.length ? true : undefined,
    );
    // 12,000 levels on a side of a book that keeps 5,000: refused whole, the book stale until its next snapshot.
    const flood = Array.from({ length: 12_000 }, (_, i) => [`1.${String(i).padStart(5, '0')}`, '1']);
    const gapsBefore = metricValue(await shard.metrics(), 'ws_book_gaps_total');
    await produce(topic, [{ key: 'HX', value: record('BOOK_UPDATE', { seq: 1, prevSeq: 0, bids: flood }) }]);
    await waitFor('the flood refused as a gap', async () => (metricValue(await shard.metrics(), 'ws_book_gaps_total') > gapsBefore ? true : undefined));
    const watcher = await clients.connect(shard.url);
    const ack = await watcher.request({ type: 'subscribe', data: { channels: ['HX.book'], snapshot: true } }, 'subscription_ack');
    expect(ack).toMatchObject({ stale: ['HX.book'] });
    // The other book goes on, update for update.
    const seen = client.dataMessages('OB.book').length;
    await send([producer.update(), producer.update()]);
    await client.waitForData(seen + 2, 'OB.book');
    expect(client.messages.filter((m) => m['type'] === 'error')).toEqual([]);
  }, 60_000);
});
