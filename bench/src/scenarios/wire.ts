import { MarketDataGenerator } from '@odin-ws/feed';
import { closeProducers, createTestTopic, produce, startShardProcess, TestClient, waitFor } from '@odin-ws/testkit';
import { ensureLocalBroker } from '../fleet.js';
import { CpuWindow } from '../process-cpu.js';
import { rssBytes } from '../process-memory.js';
import { median, round } from '../stats.js';

/** permessage-deflate modes (off, shared, dedicated), and Fossil deltas alone or with shared deflate. */
export const WIRE_MODES = ['off', 'shared', 'dedicated', 'delta', 'delta+shared'] as const;
export type WireMode = (typeof WIRE_MODES)[number];

/** The shard's --permessage-deflate and whether the clients ask for deltas, per mode. */
function settingsOf(mode: WireMode): { deflate: 'off' | 'shared' | 'dedicated'; delta: boolean } {
  if (mode === 'delta') return { deflate: 'off', delta: true };
  if (mode === 'delta+shared') return { deflate: 'shared', delta: true };
  return { deflate: mode, delta: false };
}

export interface WireOptions {
  /** Clients, each following every symbol's book. */
  connections: number;
  symbols: number;
  /** Book updates produced (realistic: packages/feed), spread over the symbols. */
  records: number;
  /** Records per second. */
  rate: number;
  modes: readonly WireMode[];
  runs: number;
  progress: (line: string) => void;
}

export interface WireRun {
  mode: WireMode;
  delivered: number;
  /** Bytes that crossed the wire to the clients (TCP payload read), per delivered book update. */
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
  /** Medians per mode, and each figure as a ratio of `off`'s. */
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
 * Bytes on the wire and server CPU for the realistic book channels, per permessage-deflate mode and
 * with Fossil deltas, side by side: the same clients (`ws`, which offers the extension), the same
 * records, one fresh shard per mode and run, modes interleaved (off, shared, dedicated, delta, …) so
 * drift on this noisy machine hits them alike. (Delta clients count bytes; apps/cli/test/deltas.test.ts
 * checks that the deltas rebuild every envelope.)
 */
export async function runWire(options: WireOptions): Promise<WireResult> {
  ensureLocalBroker();
  const symbols = SYMBOLS.slice(0, options.symbols);
  const runs: WireRun[] = [];
  const firstData: number[] = [];
  for (let run = 0; run < options.runs; run++) {
    for (const mode of options.modes) {
      options.progress(`wire: run ${run + 1}/${options.runs}, permessage-deflate ${mode}`);
      runs.push(await runOnce(mode, symbols, options));
    }
    options.progress(`wire: run ${run + 1}/${options.runs}, first data of a state channel last updated ten minutes ago`);
    firstData.push(await firstStateDataMs());
  }
  await closeProducers();
  const off = runs.filter((r) => r.mode === 'off');
  const offBytes = median(off.map((r) => r.wireBytesPerUpdate));
  const offCpu = median(off.map((r) => r.shardCpuSecondsPerMillionFrames));
  const summary = options.modes.map((mode) => {
    const of = runs.filter((r) => r.mode === mode);
    const pick = (figure: keyof Omit<WireRun, 'mode'>) => median(of.map((r) => r[figure]));
    const wireBytesPerUpdate = round(pick('wireBytesPerUpdate'), 1);
    const shardCpuSecondsPerMillionFrames = round(pick('shardCpuSecondsPerMillionFrames'));
    return {
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

const TEN_MINUTES_MS = 10 * 60_000;

/** A book record ten minutes old on a compacted topic, a shard started after it, one subscribe: ms to its first envelope. */
async function firstStateDataMs(): Promise<number> {
  const topic = await createTestTopic('wire-state', 1, undefined, true);
  const old = Date.now() - TEN_MINUTES_MS;
  const record = new MarketDataGenerator(['SOL']).next('book', old);
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

async function runOnce(mode: WireMode, symbols: string[], options: WireOptions): Promise<WireRun> {
  const topic = await createTestTopic('wire', 1);
  const { deflate, delta } = settingsOf(mode);
  const shard = await startShardProcess({ topics: [topic], args: [`--channel-map=${topic}=book`, `--permessage-deflate=${deflate}`, '--log-level=warn'] });
  const clients: TestClient[] = [];
  try {
    const pid = shard.child.pid!;
    const rssBefore = rssBytes(pid);
    for (let i = 0; i < options.connections; i++) {
      const client = await TestClient.connect(shard.url, { perMessageDeflate: true });
      clients.push(client);
      const channels = symbols.map((symbol) => `${symbol}.book`);
      await client.request({ type: 'subscribe', data: { channels, ...(delta ? { delta: 'fossil' } : {}) } }, 'subscription_ack');
    }
    const shardBytesPerConnection = (rssBytes(pid) - rssBefore) / options.connections;
    const wire = () => clients.reduce((sum, client) => sum + client.wireBytesRead, 0);
    const bytesBefore = wire();
    const cpu = new CpuWindow({ shard: () => [pid], loadGenerator: 'this-process' });
    const generator = new MarketDataGenerator(symbols);
    let envelopeBytes = 0;
    const batch = Math.max(1, Math.round(options.rate / 10));
    for (let sent = 0; sent < options.records; sent += batch) {
      const records = Array.from({ length: Math.min(batch, options.records - sent) }, () => generator.next('book', Date.now()));
      for (const record of records) envelopeBytes += record.value.length;
      await produce(topic, records);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const expected = options.records * options.connections;
    const delivered = () => clients.reduce((sum, client) => sum + client.dataMessages().length, 0);
    await waitFor('every update delivered', () => delivered() >= expected, 60_000, 100);
    const spent = cpu.spent();
    // The envelope adds channel, position and timestamp around each record value.
    const sample = clients[0]!.dataMessages()[0]!;
    const envelopeOverhead = JSON.stringify(sample).length - JSON.stringify(sample['data']).length;
    return {
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
