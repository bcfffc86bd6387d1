import { MarketDataGenerator } from '@odin-ws/feed';
import { buildEnvelope, type DeltaFormat } from '@odin-ws/protocol';
import { closeProducers, createTestTopic, produce, startShardProcess, TestClient, waitFor } from '@odin-ws/testkit';
import { ensureLocalBroker } from '../fleet.js';
import { CpuWindow } from '../process-cpu.js';
import { rssBytes } from '../process-memory.js';
import { median, round } from '../stats.js';

/**
 * Plain envelopes (off); permessage-deflate, which uWS runs per connection (shared, dedicated);
 * deflate frames compressed once per record (`"compress":"deflate"`); Fossil deltas alone or with
 * shared permessage-deflate; and deflate deltas (`"delta":"deflate"`: binary frames compressed once
 * per record against the previous envelope).
 */
export const WIRE_MODES = ['off', 'shared', 'dedicated', 'deflate', 'fossil', 'fossil+shared', 'delta+deflate'] as const;
export type WireMode = (typeof WIRE_MODES)[number];
export const WIRE_KINDS = ['book', 'ticker'] as const;
export type WireKind = (typeof WIRE_KINDS)[number];

/** The shard's --permessage-deflate and what the clients' subscribe asks for, per mode. */
function settingsOf(mode: WireMode): { permessageDeflate: 'off' | 'shared' | 'dedicated'; subscribe: { delta?: DeltaFormat; compress?: 'deflate' } } {
  switch (mode) {
    case 'deflate':
      return { permessageDeflate: 'off', subscribe: { compress: 'deflate' } };
    case 'fossil':
      return { permessageDeflate: 'off', subscribe: { delta: 'fossil' } };
    case 'fossil+shared':
      return { permessageDeflate: 'shared', subscribe: { delta: 'fossil' } };
    case 'delta+deflate':
      return { permessageDeflate: 'off', subscribe: { delta: 'deflate' } };
    default:
      return { permessageDeflate: mode, subscribe: {} };
  }
}

export interface WireOptions {
  /** Clients, each following every symbol's channel of the kind measured. */
  connections: number;
  symbols: number;
  /** Book updates produced (realistic: packages/feed), spread over the symbols. */
  records: number;
  /** Records per second. */
  rate: number;
  modes: readonly WireMode[];
  /** The state channels measured, each with its own clients and shard: books, tickers. */
  kinds: readonly WireKind[];
  runs: number;
  progress: (line: string) => void;
}

export interface WireRun {
  kind: WireKind;
  mode: WireMode;
  delivered: number;
  /** Bytes that crossed the wire to the clients (TCP payload read), per delivered update. */
  wireBytesPerUpdate: number;
  /** The envelope's own size, for scale. */
  envelopeBytes: number;
  shardCpuSecondsPerMillionFrames: number;
  /** The shard's resident memory growth over the clients. */
  shardBytesPerConnection: number;
  /** This process: the `ws` clients (which inflate) and the producer. */
  loadGeneratorCpuSeconds: number;
}

export interface WireResult {
  scenario: 'wire';
  connections: number;
  symbols: number;
  records: number;
  runs: WireRun[];
  /** Medians per kind and mode, and each figure as a ratio of `off`'s of the same kind. */
  summary: Array<Omit<WireRun, 'delivered'> & { bytesVsOff: number; cpuVsOff: number }>;
  /**
   * ms from a subscribe with `snapshot: true` to its first envelope, on a state channel whose last
   * record is ten minutes old, on a shard started after it (once per run; median and each run).
   * Without the snapshot, that first envelope would wait for the channel's next update.
   */
  firstStateDataMs: { median: number; runs: number[] };
}

const SYMBOLS = ['BTC', 'ETH', 'SOL', 'BNB', 'XRP', 'DOGE', 'ADA', 'AVAX', 'LINK', 'DOT', 'LTC', 'TRX'];

/**
 * Bytes on the wire and server CPU for the realistic book and ticker channels, per permessage-deflate mode and
 * delta format, side by side: the same clients (`ws`, which offers the extension), the same
 * records, one fresh shard per mode and run, modes interleaved (off, shared, dedicated, fossil, …) so
 * drift on this noisy machine hits them alike. (Delta clients count bytes; apps/cli/test/deltas.test.ts
 * checks that both formats rebuild every envelope.)
 */
export async function runWire(options: WireOptions): Promise<WireResult> {
  ensureLocalBroker();
  const symbols = SYMBOLS.slice(0, options.symbols);
  const runs: WireRun[] = [];
  const firstData: number[] = [];
  for (let run = 0; run < options.runs; run++) {
    for (const kind of options.kinds) {
      for (const mode of options.modes) {
        options.progress(`wire: run ${run + 1}/${options.runs}, ${kind}, ${mode}`);
        runs.push(await runOnce(kind, mode, symbols, options));
      }
    }
    options.progress(`wire: run ${run + 1}/${options.runs}, first data of a state channel last updated ten minutes ago`);
    firstData.push(await firstStateDataMs());
  }
  await closeProducers();
  const summary = options.kinds.flatMap((kind) =>
    summarize(
      runs.filter((r) => r.kind === kind),
      kind,
      options.modes,
    ),
  );
  return {
    scenario: 'wire',
    connections: options.connections,
    symbols: symbols.length,
    records: options.records,
    runs,
    summary,
    firstStateDataMs: { median: round(median(firstData), 1), runs: firstData.map((ms) => round(ms, 1)) },
  };
}

/** Medians per mode of one kind's runs, each beside `off`'s as a ratio. */
function summarize(runs: WireRun[], kind: WireKind, modes: readonly WireMode[]): WireResult['summary'] {
  const off = runs.filter((r) => r.mode === 'off');
  const offBytes = median(off.map((r) => r.wireBytesPerUpdate));
  const offCpu = median(off.map((r) => r.shardCpuSecondsPerMillionFrames));
  return modes.map((mode) => {
    const of = runs.filter((r) => r.mode === mode);
    const pick = (figure: WireFigure) => median(of.map((r) => r[figure]));
    const wireBytesPerUpdate = round(pick('wireBytesPerUpdate'), 1);
    const shardCpuSecondsPerMillionFrames = round(pick('shardCpuSecondsPerMillionFrames'));
    return {
      kind,
      mode,
      wireBytesPerUpdate,
      envelopeBytes: round(pick('envelopeBytes'), 1),
      shardCpuSecondsPerMillionFrames,
      shardBytesPerConnection: Math.round(pick('shardBytesPerConnection')),
      loadGeneratorCpuSeconds: round(pick('loadGeneratorCpuSeconds')),
      bytesVsOff: offBytes > 0 ? round(wireBytesPerUpdate / offBytes) : 0,
      cpuVsOff: offCpu > 0 ? round(shardCpuSecondsPerMillionFrames / offCpu) : 0,
    };
  });
}

type WireFigure = keyof Omit<WireRun, 'kind' | 'mode'>;

const TEN_MINUTES_MS = 10 * 60_000;
const BENCH_BACKPRESSURE_BYTES = 256 * 1024 * 1024;

/** A book record ten minutes old on a compacted topic, a shard started after it, one subscribe: ms to its first envelope. */
async function firstStateDataMs(): Promise<number> {
  const topic = await createTestTopic('wire-state', 1, undefined, true);
  const old = Date.now() - TEN_MINUTES_MS;
  const record = new MarketDataGenerator(['SOL'], { books: 'full' }).next('book', old);
  await produce(topic, [{ ...record, timestamp: old }]);
  const shard = await startShardProcess({ topics: [topic], args: [`--channel-map=${topic}=book`, '--log-level=warn'] });
  const client = await TestClient.connect(shard.url);
  try {
    const startedAt = performance.now();
    client.send({ type: 'subscribe', data: { channels: ['SOL.book'], snapshot: true } });
    await waitFor('the snapshot', () => client.dataMessages('SOL.book').length > 0, 10_000, 1);
    return performance.now() - startedAt;
  } finally {
    client.terminate();
    await shard.stop();
  }
}

async function runOnce(kind: WireKind, mode: WireMode, symbols: string[], options: WireOptions): Promise<WireRun> {
  const topic = await createTestTopic('wire', 1);
  const { permessageDeflate, subscribe } = settingsOf(mode);
  const shard = await startShardProcess({
    topics: [topic],
    args: [
      `--channel-map=${topic}=${kind}`,
      `--permessage-deflate=${permessageDeflate}`,
      // The clients share the machine and inflate per-connection deflate slowly, late with their
      // pongs and their reads: neither the slow-consumer guard nor the heartbeat must cut them, they
      // are not what this measures.
      `--backpressure-limit=${BENCH_BACKPRESSURE_BYTES}`,
      '--heartbeat-interval=240',
      '--log-level=warn',
    ],
  });
  const clients: TestClient[] = [];
  try {
    const pid = shard.child.pid!;
    const rssBefore = rssBytes(pid);
    for (let i = 0; i < options.connections; i++) {
      const client = await TestClient.connect(shard.url, { perMessageDeflate: true });
      clients.push(client);
      const channels = symbols.map((symbol) => `${symbol}.${kind}`);
      await client.request({ type: 'subscribe', data: { channels, ...subscribe } }, 'subscription_ack');
    }
    const shardBytesPerConnection = (rssBytes(pid) - rssBefore) / options.connections;
    const wire = () => clients.reduce((sum, client) => sum + client.wireBytesRead, 0);
    const bytesBefore = wire();
    const cpu = new CpuWindow({ shard: () => [pid], loadGenerator: 'this-process' });
    const generator = new MarketDataGenerator(symbols, { books: 'full' });
    let envelopeBytes = 0;
    const batch = Math.max(1, Math.round(options.rate / 10));
    for (let sent = 0; sent < options.records; sent += batch) {
      const records = Array.from({ length: Math.min(batch, options.records - sent) }, () => generator.next(kind, Date.now()));
      for (const record of records) envelopeBytes += record.value.length;
      await produce(topic, records);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const expected = options.records * options.connections;
    // Deflate frames and deltas are binary (apps/cli/test/deltas.test.ts checks they rebuild every envelope).
    const delivered = () => clients.reduce((sum, client) => sum + client.dataMessages().length + client.binaryMessages.length, 0);
    // Per-connection deflate on a loaded machine can take minutes for half a million frames; a closed
    // client would never get the rest, so that is said at once.
    await waitFor('every update delivered', () => delivered() >= expected || clients.some((client) => client.closed), 300_000, 100);
    const closed = clients.find((client) => client.closed)?.closed;
    if (closed && delivered() < expected)
      throw new Error(`wire: a client was closed (${closed.code} ${closed.reason}) after ${delivered()} of ${expected} updates`);
    const spent = cpu.spent();
    // The envelope adds channel, position, timestamp and prev around each record value.
    const envelopeOverhead = buildEnvelope({
      channel: `${symbols[0]}.${kind}`,
      partition: 0,
      offset: options.records,
      ts: Date.now(),
      prev: options.records - 1,
      dataJson: '',
    }).length;
    return {
      kind,
      mode,
      delivered: delivered(),
      wireBytesPerUpdate: (wire() - bytesBefore) / delivered(),
      envelopeBytes: envelopeBytes / options.records + envelopeOverhead,
      shardCpuSecondsPerMillionFrames: (spent.shard / delivered()) * 1e6,
      shardBytesPerConnection,
      loadGeneratorCpuSeconds: spent.loadGenerator,
    };
  } finally {
    for (const client of clients) client.terminate();
    await shard.stop();
  }
}
