import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { OrderBooks } from '@odin-ws/shard';
import { closeProducers, createTestTopic, metricValue, produce, startShardProcess, waitFor } from '@odin-ws/testkit';
import { ensureLocalBroker } from '../fleet.js';
import { percentiles } from '../latency.js';
import { envelopeTimestamp, RawClient } from '../loadgen/raw-client.js';
import { CpuWindow } from '../process-cpu.js';
import { median, round } from '../stats.js';

export interface BookOptions {
  /** Books fed at once (one symbol each). */
  books: number;
  /** Levels a side of each book. */
  levels: number;
  /** Levels each BOOK_UPDATE changes, anywhere in the book. */
  changes: number;
  /** BOOK_UPDATEs per second over all books; the hot book takes `hotRate` of them. */
  rate: number;
  /** Updates per second of the one hot book the per-client bytes are measured on. */
  hotRate: number;
  seconds: number;
  /** Clients per form (whole book, @250ms, "depth": 10), each on every book. */
  connections: number;
  runs: number;
  progress: (line: string) => void;
}

/** What a client of the hot book reads, per form. */
export const BOOK_FORMS = ['plain', 'rate250', 'depth10', 'fullBook'] as const;
export type BookForm = (typeof BOOK_FORMS)[number];

export interface BookRun {
  /** Shard CPU per BOOK_UPDATE applied: Kafka, decode, apply, checksum, envelopes, fan-out, the full-book baseline's share included. */
  shardCpuMicrosPerUpdate: number;
  /** ws_book_apply_seconds (levels, checksum, what variants and depths need) per changed level. */
  applyMicrosPerLevel: number;
  /** Record (producer timestamp) to client, per form of the crowd: p50 and p99 ms. */
  latencyMs: Record<'plain' | 'rate250' | 'depth10', { p50: number; p99: number }>;
  /** Bytes per second to one client of the hot book, per form; fullBook: the whole book republished on every change. */
  bytesPerSecond: Record<BookForm, number>;
  /** rate250 bytes over fullBook bytes (the goal: at most 1/20). */
  rate250OverFullBook: number;
  loadGeneratorCpuSeconds: number;
}

export interface BookResult {
  options: Omit<BookOptions, 'progress' | 'runs'>;
  runs: BookRun[];
  summary: BookRun;
  /** In process, on the shard's own OrderBooks: a 5,000-level-a-side book's BOOK_SNAPSHOT envelope, median ms of 21. */
  snapshotBuildMs: number;
  /** Heap and array buffers per level held by 50 books of 500 levels a side. */
  bytesPerLevel: number;
}

/**
 * What maintained books cost (docs/market-data.md), as issue #30 sets the bar: `books` books of
 * `levels` a side fed `rate` updates a second in all, clients split over the whole book, `@250ms`
 * and `"depth": 10`, and side by side in the same run and shard the hot book republished whole on
 * every change (today's full-book forwarding) to one client. One fresh shard and topics per run.
 */
export async function runBook(options: BookOptions): Promise<BookResult> {
  ensureLocalBroker();
  const runs: BookRun[] = [];
  for (let run = 0; run < options.runs; run++) runs.push(await runOnce(options, (line) => options.progress(`book: run ${run + 1}/${options.runs}, ${line}`)));
  await closeProducers();
  const { progress: _progress, runs: _runs, ...shape } = options;
  return { options: shape, runs, summary: summarize(runs), snapshotBuildMs: snapshotBuildMs(), bytesPerLevel: bytesPerLevel() };
}

const FORM_SUBSCRIBE: Record<'plain' | 'rate250' | 'depth10', (channels: string[]) => Record<string, unknown>> = {
  plain: (channels) => ({ channels, snapshot: true }),
  rate250: (channels) => ({ channels: channels.map((channel) => `${channel}@250ms`), snapshot: true }),
  depth10: (channels) => ({ channels, snapshot: true, depth: 10 }),
};

interface Listener {
  client: RawClient;
  bytes: number;
  frames: number;
  latencies: number[] | undefined;
}

async function runOnce(options: BookOptions, progress: (line: string) => void): Promise<BookRun> {
  const [bookTopic, fullTopic] = await Promise.all([createTestTopic('bench-book', 1), createTestTopic('bench-fullbook', 1)]);
  const shard = await startShardProcess({
    topics: [bookTopic, fullTopic],
    args: [`--channel-map=${bookTopic}=book,${fullTopic}=fullbook`, '--log-level=warn', '--backpressure-limit=67108864'],
  });
  const listeners: Listener[] = [];
  try {
    const books = Array.from({ length: options.books }, (_, i) => new IncrementalBook(`B${i}`, options.levels, i + 1));
    const hot = books[0]!;
    // One produce per snapshot: fifty whole books in one batch would pass the broker's 1 MB message limit.
    for (const book of books) await produce(bookTopic, [{ key: book.symbol, value: book.snapshot() }]);
    const listen = async (subscribe: Record<string, unknown>, measureLatency: boolean): Promise<Listener> => {
      const listener: Listener = { client: undefined as unknown as RawClient, bytes: 0, frames: 0, latencies: measureLatency ? [] : undefined };
      await new Promise<void>((resolve, reject) => {
        listener.client = new RawClient(shard.url, undefined, {
          onOpen: () => {
            listener.client.send(JSON.stringify({ type: 'subscribe', data: subscribe }));
            resolve();
          },
          onText: (buffer, start, end) => {
            const length = end - start;
            listener.bytes += length + (length < 126 ? 2 : length < 65_536 ? 4 : 10);
            listener.frames++;
            const ts = envelopeTimestamp(buffer, start, end);
            if (ts !== undefined) listener.latencies?.push(Date.now() - ts);
          },
          onClose: () => undefined,
          onError: reject,
        });
      });
      listeners.push(listener);
      return listener;
    };
    const channels = books.map((book) => `${book.symbol}.book`);
    progress(`${options.connections * 3} clients on ${options.books} books`);
    const crowd = { plain: [] as Listener[], rate250: [] as Listener[], depth10: [] as Listener[] };
    for (let i = 0; i < options.connections; i++) {
      for (const form of ['plain', 'rate250', 'depth10'] as const) crowd[form].push(await listen(FORM_SUBSCRIBE[form](channels), true));
    }
    const probes: Record<BookForm, Listener> = {
      plain: await listen(FORM_SUBSCRIBE.plain([`${hot.symbol}.book`]), false),
      rate250: await listen(FORM_SUBSCRIBE.rate250([`${hot.symbol}.book`]), false),
      depth10: await listen(FORM_SUBSCRIBE.depth10([`${hot.symbol}.book`]), false),
      fullBook: await listen({ channels: [`${hot.symbol}.fullbook`] }, false),
    };
    await waitFor('every snapshot', () => (listeners.every((l) => l.frames > 1 || l === probes.fullBook) ? true : undefined), 30_000, 50);
    for (const listener of listeners) {
      listener.bytes = 0;
      listener.frames = 0;
      listener.latencies?.splice(0);
    }
    const metricsBefore = await shard.metrics();
    const cpu = new CpuWindow({ shard: () => [shard.child.pid!], loadGenerator: 'this-process' });
    const startedAt = performance.now();
    const TICK_MS = 100;
    const ticks = Math.round((options.seconds * 1000) / TICK_MS);
    const perTick = Math.round((options.rate * TICK_MS) / 1000);
    const hotPerTick = Math.round((options.hotRate * TICK_MS) / 1000);
    let updates = 0;
    for (let tick = 0; tick < ticks; tick++) {
      if (tick % 10 === 0) progress(`${tick / 10}/${options.seconds} s`);
      const now = Date.now();
      const records = [];
      const whole = [];
      for (let i = 0; i < perTick; i++) {
        const book = i < hotPerTick ? hot : books[1 + ((tick * perTick + i) % (books.length - 1))]!;
        records.push({ key: book.symbol, value: book.update(options.changes, now), timestamp: now });
        if (book === hot) whole.push({ key: hot.symbol, value: hot.wholeBook(now), timestamp: now });
      }
      updates += records.length;
      await Promise.all([produce(bookTopic, records), produce(fullTopic, whole)]);
      const behind = startedAt + (tick + 1) * TICK_MS - performance.now();
      if (behind > 0) await new Promise((resolve) => setTimeout(resolve, behind));
    }
    // Every update reached every whole-book client (one frame each): the shard has applied them all.
    await waitFor('the plain crowd at the last update', () => (crowd.plain.every((l) => l.frames >= updates) ? true : undefined), 120_000, 50);
    await new Promise((resolve) => setTimeout(resolve, 600)); // the last interval of the variants
    const elapsedSeconds = (performance.now() - startedAt) / 1000;
    const spent = cpu.spent();
    const metricsAfter = await shard.metrics();
    const delta = (name: string) => metricValue(metricsAfter, name) - metricValue(metricsBefore, name);
    const applyCount = delta('ws_book_apply_seconds_count');
    const latency = (form: 'plain' | 'rate250' | 'depth10') => {
      const { p50, p99 } = percentiles(crowd[form].flatMap((l) => l.latencies!));
      return { p50: round(p50, 1), p99: round(p99, 1) };
    };
    const bytesPerSecond = Object.fromEntries(BOOK_FORMS.map((form) => [form, round(probes[form].bytes / elapsedSeconds, 0)])) as Record<BookForm, number>;
    return {
      shardCpuMicrosPerUpdate: round((spent.shard / updates) * 1e6, 1),
      applyMicrosPerLevel: round((delta('ws_book_apply_seconds_sum') / Math.max(1, applyCount) / options.changes) * 1e6, 2),
      latencyMs: { plain: latency('plain'), rate250: latency('rate250'), depth10: latency('depth10') },
      bytesPerSecond,
      rate250OverFullBook: round(bytesPerSecond.rate250 / Math.max(1, bytesPerSecond.fullBook), 4),
      loadGeneratorCpuSeconds: round(spent.loadGenerator, 2),
    };
  } finally {
    for (const listener of listeners) listener.client.terminate();
    await shard.stop();
  }
}

function summarize(runs: BookRun[]): BookRun {
  const of = (pick: (run: BookRun) => number) => round(median(runs.map(pick)), 4);
  const latencyOf = (form: 'plain' | 'rate250' | 'depth10') => ({ p50: of((r) => r.latencyMs[form].p50), p99: of((r) => r.latencyMs[form].p99) });
  return {
    shardCpuMicrosPerUpdate: of((r) => r.shardCpuMicrosPerUpdate),
    applyMicrosPerLevel: of((r) => r.applyMicrosPerLevel),
    latencyMs: { plain: latencyOf('plain'), rate250: latencyOf('rate250'), depth10: latencyOf('depth10') },
    bytesPerSecond: Object.fromEntries(BOOK_FORMS.map((form) => [form, of((r) => r.bytesPerSecond[form])])) as Record<BookForm, number>,
    rate250OverFullBook: of((r) => r.rate250OverFullBook),
    loadGeneratorCpuSeconds: of((r) => r.loadGeneratorCpuSeconds),
  };
}

const AT = { partition: 0, offset: 0, ts: 0, prev: null };

/** A book of 5,000 levels a side (the --book-max-levels default) built, then its snapshot envelope built 21 times: the median ms. */
function snapshotBuildMs(): number {
  const books = new OrderBooks(5000);
  const book = new IncrementalBook('SNAP', 5000, 99);
  const { data } = JSON.parse(book.snapshot()) as { data: { seq: number; bids: Array<[string, string]>; asks: Array<[string, string]> } };
  books.apply('SNAP.book', { type: 'BOOK_SNAPSHOT', ...data }, 'SNAP', AT);
  const times: number[] = [];
  for (let i = 0; i < 21; i++) {
    const startedAt = performance.now();
    books.snapshotOf('SNAP.book');
    times.push(performance.now() - startedAt);
  }
  return round(median(times), 2);
}

/**
 * Memory (heap and array buffers) per level held by 50 books of 500 levels a side: the records' text
 * exists before and after, so the difference is what parsing and keeping the levels costs, as in the
 * shard (each level an array of two strings, and a double per level for the search).
 */
function bytesPerLevel(): number {
  // A collection before each reading, whatever flags node was started with.
  setFlagsFromString('--expose-gc');
  const collect = runInNewContext('gc') as () => void;
  const used = () => {
    collect();
    const { heapUsed, arrayBuffers } = process.memoryUsage();
    return heapUsed + arrayBuffers;
  };
  const texts = Array.from({ length: 50 }, (_, i) => new IncrementalBook(`M${i}`, 500, i + 7).snapshot());
  const before = used();
  const books = new OrderBooks(5000);
  for (const [i, text] of texts.entries()) {
    const { data } = JSON.parse(text) as { data: { seq: number; bids: Array<[string, string]>; asks: Array<[string, string]> } };
    books.apply(`M${i}.book`, { type: 'BOOK_SNAPSHOT', ...data }, `M${i}`, AT);
  }
  const after = used();
  return round((after - before) / books.stats().levels, 1);
}

/**
 * The producer's side of an incremental feed: a book of whole ticks around a mid price, each update
 * changing levels spread over the whole depth (most deep, as real feeds are), with exact decimal text.
 */
class IncrementalBook {
  private readonly bids = new Map<number, string>();
  private readonly asks = new Map<number, string>();
  seq = 0;
  private state: number;

  constructor(
    readonly symbol: string,
    private readonly levels: number,
    seed: number,
  ) {
    this.state = 12_345 + seed;
    for (let i = 1; i <= levels; i++) {
      this.bids.set(MID_TICKS - i, this.size());
      this.asks.set(MID_TICKS + i, this.size());
    }
  }

  snapshot(timestamp = Date.now()): string {
    return JSON.stringify({ type: 'BOOK_SNAPSHOT', timestamp, data: { symbol: this.symbol, seq: this.seq, ...this.sides() } });
  }

  /** The whole book as one record that is the state (no book type): today's full-book forwarding. */
  wholeBook(timestamp: number): string {
    return JSON.stringify({ type: 'ORDERBOOK_UPDATE', timestamp, data: { symbol: this.symbol, seq: this.seq, ...this.sides() } });
  }

  /** `changes` levels changed; a removed level comes back later, so the book keeps its size. */
  update(changes: number, timestamp: number): string {
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
    return JSON.stringify({ type: 'BOOK_UPDATE', timestamp, data: { symbol: this.symbol, seq: this.seq, prevSeq, ...changed } });
  }

  private sides() {
    const side = (levels: Map<number, string>, descending: boolean) =>
      [...levels].sort(([a], [b]) => (descending ? b - a : a - b)).map(([ticks, size]) => [price(ticks), size]);
    return { bids: side(this.bids, true), asks: side(this.asks, false) };
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

const MID_TICKS = 1_000_000;

/** Ticks of 0.01 as decimal text. */
const price = (ticks: number) => `${Math.floor(ticks / 100)}.${String(ticks % 100).padStart(2, '0')}`;
