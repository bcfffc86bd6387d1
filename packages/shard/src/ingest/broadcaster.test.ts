import { crc32, inflateSync } from 'node:zlib';
import type { SourceRecord } from '@odin-ws/kafka';
import { readZlibFrame, ZlibFrameKind, zlibFrameDictionary } from '@odin-ws/protocol';
import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { Conflator, RecordPublisher } from '../delivery/index.js';
import type { TemplatedApp } from '../platform/index.js';
import { createShardMetrics, type ShardStateSnapshot } from '../shard-metrics.js';
import { BookVariants, ChannelHistory, LastValues, OrderBooks, PreviousPositions, StateChannels } from '../state/index.js';
import { Broadcaster } from './broadcaster.js';
import { ChannelMapper } from './channel-mapper.js';

// The broadcaster with real mapper, history and metrics; the uWS app is a fake topic tree that
// records each publish.

const TOPIC = 'odin.trades';

function setup(subscribersByChannel: Record<string, number>, historySize = 10, stateEvents: string[] = []) {
  const published: Array<{ channel: string; frame: string; bytes: Buffer; isBinary: boolean }> = [];
  const app = {
    numSubscribers: (channel: string) => subscribersByChannel[channel] ?? 0,
    publish: (channel: string, frame: string | Buffer, isBinary: boolean) => {
      published.push({ channel, frame: String(frame), bytes: Buffer.from(frame), isBinary });
      return true;
    },
  } as unknown as TemplatedApp;
  const history = new ChannelHistory(
    { maxPerChannel: historySize, maxAgeMs: 60_000, maxBytes: 1 << 20, maxReplayBytes: 1 << 20 },
    { coveredFrom: () => 0, endOf: () => undefined, topicOf: () => TOPIC },
  );
  const registry = new Registry();
  const metrics = createShardMetrics(registry, () => ({ history: history.stats() }) as ShardStateSnapshot);
  const books = new OrderBooks(5);
  const bookVariants = new BookVariants(books);
  const lastValues = new LastValues(1 << 20, undefined, { books, variants: bookVariants });
  const conflator = new Conflator(app, lastValues);
  const publisher = new RecordPublisher(app, {
    permessageDeflate: false,
    isHeld: (form) => Object.keys(subscribersByChannel).some((topic) => topic.endsWith(`|${form}`)),
  });
  const broadcaster = new Broadcaster(
    new ChannelMapper({}, [TOPIC]),
    new StateChannels(stateEvents),
    { history, lastValues, conflator, books, bookVariants, positions: new PreviousPositions(1000) },
    publisher,
    metrics,
    4096,
  );
  return { broadcaster, history, lastValues, books, published, registry };
}

function record(offset: number, key: string | null, value: string | null): SourceRecord {
  return { topic: TOPIC, partition: 0, offset, key: key === null ? null : Buffer.from(key), value: value === null ? null : Buffer.from(value), timestamp: 1 };
}

async function metricValue(registry: Registry, name: string, labels: Record<string, string> = {}): Promise<number> {
  const metric = await registry.getSingleMetric(name)?.get();
  const match = metric?.values.find((value) => Object.entries(labels).every(([key, label]) => value.labels[key] === label));
  return match?.value ?? 0;
}

describe('Broadcaster', () => {
  it('publishes one frame per record to its channel and keeps it in the history first', async () => {
    const { broadcaster, history, published, registry } = setup({ 'BTC.trades': 3 });
    broadcaster.publishBatch({ topic: TOPIC, partition: 0, lag: 0, records: [record(7, 'BTC', '{"p":1}'), record(8, 'BTC', '{"p":2}')] });
    expect(published.map(({ channel }) => channel)).toEqual(['BTC.trades', 'BTC.trades']);
    expect(JSON.parse(published[0]!.frame)).toMatchObject({ type: 'price:update', channel: 'BTC.trades', pos: { partition: 0, offset: 7 }, data: { p: 1 } });
    // The history's replay is the same frames a live subscriber got.
    expect(history.recover('BTC.trades', { partition: 0, offset: 6 }, Date.now())).toEqual({ recovered: true, frames: published.map(({ frame }) => frame) });
    expect(await metricValue(registry, 'ws_frames_delivered_total')).toBe(6);
  });

  it('names in prev the previous envelope of the same channel, and says where its reading stands once a batch is out', () => {
    const { broadcaster, published } = setup({ 'BTC.trades': 1, 'ETH.trades': 1 });
    expect(broadcaster.readEndOf(TOPIC, 0)).toBeUndefined();
    broadcaster.publishBatch({
      topic: TOPIC,
      partition: 0,
      lag: 0,
      records: [record(7, 'BTC', '{"p":1}'), record(8, 'ETH', '{"p":2}'), record(9, 'BTC', '{"p":3}')],
    });
    broadcaster.publishBatch({ topic: TOPIC, partition: 0, lag: 0, records: [record(10, 'BTC', 'not json'), record(11, 'BTC', '{"p":4}')] });
    // A dropped record (10) is never named: no client could ever receive it.
    expect(published.map(({ frame }) => [JSON.parse(frame).pos.offset, JSON.parse(frame).prev])).toEqual([
      [7, null],
      [8, null],
      [9, 7],
      [11, 9],
    ]);
    // The end of what was read and published, not the partition's high watermark: a resume from a
    // position past it waits (ahead-positions.ts) instead of getting those records twice.
    expect(broadcaster.readEndOf(TOPIC, 0)).toBe(12);
  });

  it('compresses each record once for the compressed subscribers, beside the plain envelope for the others', async () => {
    const { broadcaster, published, registry } = setup({ 'BTC.trades': 2, 'BTC.trades|compressed': 5, 'ETH.trades|compressed': 1 });
    broadcaster.publishBatch({ topic: TOPIC, partition: 0, lag: 0, records: [record(7, 'BTC', '{"p":1}'), record(8, 'ETH', '{"p":2}')] });
    expect(published.map(({ channel, isBinary }) => [channel, isBinary])).toEqual([
      ['BTC.trades', false],
      ['BTC.trades|compressed', true],
      ['ETH.trades|compressed', true],
    ]);
    // The frame holds the plain envelope exactly, against the fixed dictionary.
    const frame = readZlibFrame(published[1]!.bytes)!;
    expect([frame.kind, frame.channel]).toEqual([ZlibFrameKind.FULL, 'BTC.trades']);
    expect(inflateSync(frame.zlib, { dictionary: zlibFrameDictionary(frame.kind) }).toString()).toBe(published[0]!.frame);
    expect(await metricValue(registry, 'ws_frames_delivered_total')).toBe(8);
  });

  it('keeps the history of a channel nobody here subscribes to, without publishing it', () => {
    const { broadcaster, history, published } = setup({});
    broadcaster.publishBatch({ topic: TOPIC, partition: 0, lag: 0, records: [record(7, 'ETH', '{"p":1}')] });
    expect(published).toEqual([]);
    expect(history.recover('ETH.trades', { partition: 0, offset: 6 }, Date.now())).toMatchObject({ recovered: true, frames: [expect.any(String)] });
  });

  it("keeps a state channel's latest envelope with no history and nobody subscribed, and nothing of other channels", () => {
    const { broadcaster, lastValues, published } = setup({}, 0, ['trades']);
    broadcaster.publishBatch({ topic: TOPIC, partition: 0, lag: 0, records: [record(7, 'ETH', '{"p":1}'), record(8, 'ETH', '{"p":2}')] });
    expect(published).toEqual([]);
    expect(JSON.parse(lastValues.snapshotOf('ETH.trades')!)).toMatchObject({ snapshot: true, channel: 'ETH.trades', pos: { offset: 8 }, data: { p: 2 } });
    const { lastValues: none, broadcaster: plain } = setup({}, 0, []);
    plain.publishBatch({ topic: TOPIC, partition: 0, lag: 0, records: [record(7, 'ETH', '{"p":1}')] });
    expect(none.snapshotOf('ETH.trades')).toBeUndefined();
  });

  it('drops a record that cannot make a frame, counts why, and goes on with the batch', async () => {
    const { broadcaster, published, registry } = setup({ 'BTC.trades': 1 });
    const records = [
      record(1, null, '{}'),
      record(2, 'bad key', '{}'),
      record(3, 'BTC', '{not json'),
      record(4, 'BTC', 'x'.repeat(5000)),
      record(5, 'BTC', '{"ok":true}'),
    ];
    broadcaster.publishBatch({ topic: TOPIC, partition: 0, lag: 0, records });
    expect(published).toHaveLength(1);
    for (const reason of ['missing_key', 'invalid_key', 'invalid_json', 'oversized']) {
      expect(await metricValue(registry, 'ws_kafka_records_dropped_total', { reason }), reason).toBe(1);
    }
  });
});

describe('Broadcaster: maintained books', () => {
  const levels = (...pairs: Array<[string, string]>) => pairs;
  const snapshot = (seq: number, bids: Array<[string, string]>, asks: Array<[string, string]>) =>
    JSON.stringify({ type: 'BOOK_SNAPSHOT', timestamp: 1000 + seq, data: { symbol: 'BTC', seq, bids, asks } });
  const update = (seq: number, prevSeq: number, bids: Array<[string, string]>, asks: Array<[string, string]> = []) =>
    JSON.stringify({ type: 'BOOK_UPDATE', timestamp: 1000 + seq, data: { symbol: 'BTC', seq, prevSeq, bids, asks } });
  const crc = (text: string) => crc32(Buffer.from(text));

  it('forwards snapshots and in-sequence updates with the book checksum before data, and nothing of a gap until the next snapshot heals it', async () => {
    const { broadcaster, published, lastValues, registry } = setup({ 'BTC.trades': 1 }, 10, ['trades']);
    const batch = (records: SourceRecord[]) => broadcaster.publishBatch({ topic: TOPIC, partition: 0, lag: 0, records });
    batch([
      record(1, 'BTC', snapshot(10, levels(['100.5', '1'], ['100.4', '2']), levels(['100.6', '3']))),
      record(2, 'BTC', update(11, 10, levels(['100.5', '0'], ['100.45', '4']))),
      record(3, 'BTC', update(11, 10, levels(['99', '1']))), // a replay: seen before
      record(4, 'BTC', update(13, 12, levels(['99', '1']))), // a gap: 12 never came
      record(5, 'BTC', update(14, 13, levels(['98', '1']))), // stale: nothing until a snapshot
      record(6, 'BTC', snapshot(20, levels(['101', '1']), levels(['102', '1']))),
    ]);
    const envelopes = published.map(({ frame }) => JSON.parse(frame) as { pos: { offset: number }; checksum: number; snapshot?: true });
    expect(envelopes.map(({ pos }) => pos.offset)).toEqual([1, 2, 6]);
    // Kraken's string for the book after each: asks ascending then bids descending, points and leading zeros gone.
    expect(envelopes[0]!.checksum).toBe(crc('100631005110042'));
    expect(envelopes[1]!.checksum).toBe(crc('1006310045410042'));
    // The healing snapshot goes to everyone as a snapshot: every subscriber starts again from it.
    expect(envelopes[2]!.snapshot).toBe(true);
    expect(published[1]!.frame).toMatch(/"ts":1011,"prev":1,"checksum":\d+,"data":\{"type":"BOOK_UPDATE"/);
    expect(await metricValue(registry, 'ws_book_gaps_total')).toBe(1);
    expect(await metricValue(registry, 'ws_kafka_records_dropped_total', { reason: 'book_stale' })).toBe(1);
    // A subscriber's snapshot is the book itself, at the last record applied.
    expect(JSON.parse(lastValues.snapshotOf('BTC.trades')!)).toMatchObject({
      snapshot: true,
      pos: { offset: 6 },
      checksum: crc('10211011'),
      data: { type: 'BOOK_SNAPSHOT', data: { symbol: 'BTC', seq: 20, bids: [['101', '1']], asks: [['102', '1']] } },
    });
  });

  it('refuses a malformed book record, counted, and keeps other channels going', async () => {
    const { broadcaster, published, registry } = setup({ 'BTC.trades': 1, 'ETH.trades': 1 }, 10, ['trades']);
    broadcaster.publishBatch({
      topic: TOPIC,
      partition: 0,
      lag: 0,
      records: [record(1, 'BTC', JSON.stringify({ type: 'BOOK_SNAPSHOT', data: { seq: 1, bids: [[1.5, 2]] } })), record(2, 'ETH', '{"p":1}')],
    });
    expect(published.map(({ channel }) => channel)).toEqual(['ETH.trades']);
    expect(await metricValue(registry, 'ws_kafka_records_dropped_total', { reason: 'invalid_book' })).toBe(1);
  });
});
