import { closeProducers, createTestTopic, metricValue, produce, startShardProcess, TestClient, waitFor } from '@odin-ws/testkit';
import { ensureLocalBroker } from '../fleet.js';
import { CpuWindow } from '../process-cpu.js';
import { median, round } from '../stats.js';

export interface BookOptions {
  /** Levels a side of the book the producer keeps (the snapshot's size). */
  levels: number;
  /** Levels each BOOK_UPDATE changes, anywhere in the book (a size, a removal, a level added). */
  changes: number;
  /** BOOK_UPDATEs produced per run, after one BOOK_SNAPSHOT. */
  records: number;
  /** Records per second. */
  rate: number;
  /** Clients on the whole book, and as many again at "depth": 10. */
  connections: number;
  runs: number;
  progress: (line: string) => void;
}

export interface BookRun {
  /** Shard CPU per BOOK_UPDATE: Kafka, decode, apply, checksum, envelope, fan-out to every client. */
  shardCpuMicrosPerRecord: number;
  /** The apply alone (ws_book_apply_seconds: levels, checksum, depth views), per record and per changed level. */
  applyMicrosPerRecord: number;
  applyMicrosPerLevel: number;
  /** Frames a whole-book client and a top-10 client got per BOOK_UPDATE (the top 10 only when it changed). */
  fullFramesPerRecord: number;
  depth10FramesPerRecord: number;
  /** Wire bytes per BOOK_UPDATE produced, to a whole-book client and to a top-10 client. */
  fullBytesPerRecord: number;
  depth10BytesPerRecord: number;
  /** A subscribe with "snapshot": true after the run: ms to the book, and its size. */
  snapshotMs: number;
  snapshotBytes: number;
  loadGeneratorCpuSeconds: number;
}

export interface BookResult {
  levels: number;
  changes: number;
  records: number;
  connections: number;
  runs: BookRun[];
  /** The median of each figure over the runs. */
  summary: BookRun;
}

/**
 * What a maintained book costs the shard (docs/market-data.md): a book of `levels` a side fed
 * BOOK_UPDATEs of `changes` levels each, `connections` clients on the whole book and as many at
 * "depth": 10; one fresh shard and topic per run. Every client must end at the producer's last seq.
 */
export async function runBook(options: BookOptions): Promise<BookResult> {
  ensureLocalBroker();
  const runs: BookRun[] = [];
  for (let run = 0; run < options.runs; run++) runs.push(await runOnce(options, (line) => options.progress(`book: run ${run + 1}/${options.runs}, ${line}`)));
  await closeProducers();
  const figures = Object.keys(runs[0]!) as Array<keyof BookRun>;
  const summary = Object.fromEntries(figures.map((figure) => [figure, round(median(runs.map((r) => r[figure])), 3)])) as unknown as BookRun;
  return { levels: options.levels, changes: options.changes, records: options.records, connections: options.connections, runs, summary };
}

const SYMBOL = 'BENCH';
const CHANNEL = `${SYMBOL}.book`;
const MID_TICKS = 1_000_000;

async function runOnce(options: BookOptions, progress: (line: string) => void): Promise<BookRun> {
  const topic = await createTestTopic('bench-book', 1);
  const shard = await startShardProcess({
    topics: [topic],
    args: [`--channel-map=${topic}=book`, `--book-max-levels=${Math.max(5000, options.levels * 2)}`, '--log-level=warn'],
  });
  const full: TestClient[] = [];
  const top: TestClient[] = [];
  try {
    const feed = new IncrementalBook(options.levels);
    const send = (values: string[]) =>
      produce(
        topic,
        values.map((value) => ({ key: SYMBOL, value })),
      );
    await send([feed.snapshot()]);
    progress(`${options.connections * 2} clients`);
    for (let i = 0; i < options.connections; i++) {
      for (const [group, depth] of [
        [full, undefined],
        [top, 10],
      ] as const) {
        const client = await TestClient.connect(shard.url);
        group.push(client);
        await client.request({ type: 'subscribe', data: { channels: [CHANNEL], snapshot: true, ...(depth ? { depth } : {}) } }, 'subscription_ack');
        await waitFor('the snapshot', () => client.dataMessages(CHANNEL)[0], 10_000);
      }
    }
    const pid = shard.child.pid!;
    const metricsBefore = await shard.metrics();
    const bytesBefore = (clients: TestClient[]) => clients.map((c) => c.wireBytesRead);
    const fullBefore = bytesBefore(full);
    const topBefore = bytesBefore(top);
    const framesBefore = (clients: TestClient[]) => clients.reduce((sum, c) => sum + c.dataMessages(CHANNEL).length, 0);
    const fullFramesBefore = framesBefore(full);
    const topFramesBefore = framesBefore(top);
    const cpu = new CpuWindow({ shard: () => [pid], loadGenerator: 'this-process' });
    const batch = Math.max(1, Math.round(options.rate / 10));
    for (let sent = 0; sent < options.records; sent += batch) {
      progress(`${sent}/${options.records} updates`);
      await send(Array.from({ length: Math.min(batch, options.records - sent) }, () => feed.update(options.changes)));
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const lastSeq = feed.seq;
    const seqOf = (m: Record<string, unknown>) => (m['data'] as { data: { seq: number } }).data.seq;
    const atLastSeq = (c: TestClient) => c.dataMessages(CHANNEL).some((m) => seqOf(m) === lastSeq);
    // A top-10 client hears of the last seq only if it changed the top 10; the whole-book clients always do.
    await waitFor('every whole-book client at the last seq', () => full.every(atLastSeq) || undefined, 120_000, 50);
    const spent = cpu.spent();
    const metricsAfter = await shard.metrics();
    const applied = (name: string) => metricValue(metricsAfter, name) - metricValue(metricsBefore, name);
    const applySeconds = applied('ws_book_apply_seconds_sum');
    const applyCount = applied('ws_book_apply_seconds_count');
    const bytesPerRecord = (clients: TestClient[], before: number[]) =>
      clients.reduce((sum, c, i) => sum + c.wireBytesRead - before[i]!, 0) / clients.length / options.records;
    const framesPerRecord = (clients: TestClient[], before: number) => (framesBefore(clients) - before) / clients.length / options.records;
    const late = await lateSnapshot(shard.url);
    return {
      shardCpuMicrosPerRecord: round((spent.shard / options.records) * 1e6, 1),
      applyMicrosPerRecord: round((applySeconds / Math.max(1, applyCount)) * 1e6, 2),
      applyMicrosPerLevel: round((applySeconds / Math.max(1, applyCount) / options.changes) * 1e6, 2),
      fullFramesPerRecord: round(framesPerRecord(full, fullFramesBefore), 3),
      depth10FramesPerRecord: round(framesPerRecord(top, topFramesBefore), 3),
      fullBytesPerRecord: round(bytesPerRecord(full, fullBefore), 1),
      depth10BytesPerRecord: round(bytesPerRecord(top, topBefore), 1),
      ...late,
      loadGeneratorCpuSeconds: spent.loadGenerator,
    };
  } finally {
    for (const client of [...full, ...top]) client.terminate();
    await shard.stop();
  }
}

/** A subscribe with "snapshot": true on the built book: ms to its first envelope, and that envelope's bytes. */
async function lateSnapshot(url: string): Promise<{ snapshotMs: number; snapshotBytes: number }> {
  const client = await TestClient.connect(url);
  try {
    const before = client.wireBytesRead;
    const startedAt = performance.now();
    client.send({ type: 'subscribe', data: { channels: [CHANNEL], snapshot: true } });
    await waitFor('the late snapshot', () => client.dataMessages(CHANNEL)[0], 10_000, 1);
    const snapshotMs = performance.now() - startedAt;
    const ack = client.messages.find((m) => m['type'] === 'subscription_ack');
    return { snapshotMs: round(snapshotMs, 2), snapshotBytes: client.wireBytesRead - before - (ack ? JSON.stringify(ack).length : 0) };
  } finally {
    client.terminate();
  }
}

/**
 * The producer's side of an incremental feed: a book of whole ticks around a mid price, each update
 * changing levels spread over the whole depth (most deep, as real feeds are), with exact decimal text.
 */
class IncrementalBook {
  private readonly bids = new Map<number, string>();
  private readonly asks = new Map<number, string>();
  seq = 0;
  private state = 12_345;

  constructor(private readonly levels: number) {
    for (let i = 1; i <= levels; i++) {
      this.bids.set(MID_TICKS - i, this.size());
      this.asks.set(MID_TICKS + i, this.size());
    }
  }

  snapshot(): string {
    const side = (levels: Map<number, string>) => [...levels].map(([ticks, size]) => [price(ticks), size]);
    return JSON.stringify({
      type: 'BOOK_SNAPSHOT',
      timestamp: Date.now(),
      data: { symbol: SYMBOL, seq: this.seq, bids: side(this.bids), asks: side(this.asks) },
    });
  }

  /** `changes` levels changed; a removed level comes back later, so the book keeps its size. */
  update(changes: number): string {
    const changed = { bids: [] as Array<[string, string]>, asks: [] as Array<[string, string]> };
    for (let i = 0; i < changes; i++) {
      const isBid = this.next() % 2 === 0;
      const distance = 1 + (this.next() % this.levels);
      const ticks = isBid ? MID_TICKS - distance : MID_TICKS + distance;
      const side = isBid ? this.bids : this.asks;
      const size = side.has(ticks) && this.next() % 8 === 0 ? '0' : this.size();
      if (size === '0') side.delete(ticks);
      else side.set(ticks, size);
      (isBid ? changed.bids : changed.asks).push([price(ticks), size]);
    }
    const prevSeq = this.seq;
    this.seq += 1;
    return JSON.stringify({ type: 'BOOK_UPDATE', timestamp: Date.now(), data: { symbol: SYMBOL, seq: this.seq, prevSeq, ...changed } });
  }

  private size(): string {
    const units = 1 + (this.next() % 50_000);
    return `${Math.floor(units / 1000)}.${String(units % 1000).padStart(3, '0')}`;
  }

  private next(): number {
    this.state = (this.state * 1_103_515_245 + 12_345) % 2_147_483_648;
    return this.state >>> 8;
  }
}

/** Ticks of 0.01 as decimal text. */
const price = (ticks: number) => `${Math.floor(ticks / 100)}.${String(ticks % 100).padStart(2, '0')}`;
