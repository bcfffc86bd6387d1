import { createLogger } from '@odin-ws/observability';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { type KafkaClient, KafkaJsRecordSource, type KafkaJsSourceOptions } from './kafkajs-source.js';
import type { SourceBatch } from './record-source.js';

// The source against a stand-in kafkajs client that plays joins, fetches, crashes and refusals on
// cue: the orders of events a real broker cannot be made to produce on demand. The end-to-end
// tests (apps/cli/test: Kafka restart, partitions added, SASL) run the same code against a broker.

const EVENTS = {
  GROUP_JOIN: 'consumer.group_join',
  FETCH: 'consumer.fetch',
  CRASH: 'consumer.crash',
  END_BATCH_PROCESS: 'consumer.end_batch_process',
  DISCONNECT: 'consumer.disconnect',
} as const;

type Handler = (event: { payload: Record<string, unknown> }) => void;

class FakeConsumer {
  readonly events = EVENTS;
  readonly seeks: Array<{ topic: string; partition: number; offset: string }> = [];
  private readonly handlers = new Map<string, Handler[]>();
  eachBatch: ((payload: unknown) => Promise<void>) | undefined;

  constructor(private readonly connectError?: Error) {}

  on(event: string, handler: Handler): void {
    this.handlers.set(event, [...(this.handlers.get(event) ?? []), handler]);
  }

  emit(event: string, payload: Record<string, unknown>): void {
    for (const handler of this.handlers.get(event) ?? []) handler({ payload });
  }

  async connect(): Promise<void> {
    if (this.connectError) throw this.connectError;
  }

  async subscribe(): Promise<void> {}
  async run(options: { eachBatch: (payload: unknown) => Promise<void> }): Promise<void> {
    this.eachBatch = options.eachBatch;
  }
  seek(position: { topic: string; partition: number; offset: string }): void {
    this.seeks.push(position);
  }
  async disconnect(): Promise<void> {}

  /** A fetched batch of `offsets` on odin.trades/0, handed to the source as kafkajs would. */
  async deliver(offsets: number[], highWatermark: number, partition = 0): Promise<void> {
    this.emit(EVENTS.FETCH, {});
    const messages = offsets.map((offset) => ({ offset: String(offset), key: Buffer.from('BTC'), value: Buffer.from('{}'), timestamp: '1' }));
    await this.eachBatch!({ batch: { topic: 'odin.trades', partition, highWatermark: String(highWatermark), messages } });
    this.emit(EVENTS.END_BATCH_PROCESS, { topic: 'odin.trades', partition, lastOffset: String(offsets.at(-1) ?? highWatermark - 1) });
  }
}

/** Partition 0 of odin.trades holds offsets 0..9; records from offset 4 on are newer than the backfill window. */
function fakeClient(options: { consumers: FakeConsumer[]; compacted?: boolean | 'unreadable' }) {
  const describeConfigs = vi.fn(async () => {
    if (options.compacted === 'unreadable') throw new Error('DescribeConfigs not authorized');
    return { resources: [{ configEntries: [{ configName: 'cleanup.policy', configValue: options.compacted ? 'compact' : 'delete' }] }] };
  });
  const byTimestamp = vi.fn(async () => [{ partition: 0, offset: '4' }]);
  const admin = {
    connect: async () => undefined,
    disconnect: async () => undefined,
    fetchTopicOffsets: async () => [{ partition: 0, offset: '10', high: '10', low: '0' }],
    fetchTopicOffsetsByTimestamp: byTimestamp,
    describeConfigs,
    deleteGroups: async () => undefined,
  };
  let made = 0;
  const client = { admin: () => admin, consumer: () => options.consumers[made++]! } as unknown as KafkaClient;
  return { client, byTimestamp, describeConfigs };
}

function source(client: KafkaClient, overrides: Partial<KafkaJsSourceOptions> = {}) {
  return new KafkaJsRecordSource({
    connection: { brokers: ['127.0.0.1:1'], tls: undefined, sasl: undefined },
    clientId: 'test',
    groupId: 'test.group',
    topics: ['odin.trades'],
    backfillMs: 60_000,
    metadataRefreshMs: 5_000,
    logger: createLogger({ level: 'silent', base: {}, readable: false }),
    client,
    ...overrides,
  });
}

async function until(condition: () => boolean): Promise<void> {
  for (let i = 0; i < 200 && !condition(); i++) await new Promise((resolve) => setTimeout(resolve, 5));
  expect(condition()).toBe(true);
}

afterEach(() => {
  vi.useRealTimers();
});

describe('KafkaJsRecordSource: positions across joins', () => {
  it('starts each partition --history-max-age back, hands over each offset once, and a rejoin resumes where it delivered', async () => {
    const consumer = new FakeConsumer();
    const { client, byTimestamp } = fakeClient({ consumers: [consumer] });
    const kafka = source(client);
    const batches: SourceBatch[] = [];
    kafka.start((batch) => batches.push(batch));
    await until(() => consumer.eachBatch !== undefined);
    expect(byTimestamp).toHaveBeenCalledTimes(1);

    consumer.emit(EVENTS.GROUP_JOIN, { memberAssignment: { 'odin.trades': [0] } });
    expect(consumer.seeks).toEqual([{ topic: 'odin.trades', partition: 0, offset: '4' }]);
    expect(kafka.coveredFrom('odin.trades', 0)).toBe(4);
    await consumer.deliver([4, 5, 6], 10);
    // After a rejoin kafkajs may fetch what was handed over already: none of it twice.
    consumer.emit(EVENTS.GROUP_JOIN, { memberAssignment: { 'odin.trades': [0] } });
    expect(consumer.seeks.at(-1)).toEqual({ topic: 'odin.trades', partition: 0, offset: '7' });
    await consumer.deliver([5, 6, 7, 8], 12);
    expect(batches.map(({ records, lag }) => [records.map(({ offset }) => offset), lag])).toEqual([
      [[4, 5, 6], 3],
      [[7, 8], 3],
    ]);
    expect(kafka.endOffset('odin.trades', 0)).toBe(12);
    await kafka.stop();
  });

  it('reads a partition added after start from its first record, and announces it once', async () => {
    const consumer = new FakeConsumer();
    const kafka = source(fakeClient({ consumers: [consumer] }).client);
    const added: string[] = [];
    kafka.onPartitionAdded((topic, partition) => added.push(`${topic}:${partition}`));
    kafka.start(() => undefined);
    await until(() => consumer.eachBatch !== undefined);
    consumer.emit(EVENTS.GROUP_JOIN, { memberAssignment: { 'odin.trades': [0, 1] } });
    consumer.emit(EVENTS.GROUP_JOIN, { memberAssignment: { 'odin.trades': [0, 1] } });
    expect(consumer.seeks.filter(({ partition }) => partition === 1)).toEqual([
      { topic: 'odin.trades', partition: 1, offset: '-2' },
      { topic: 'odin.trades', partition: 1, offset: '-2' },
    ]);
    expect(added).toEqual(['odin.trades:1']);
    await kafka.stop();
  });
});

describe('KafkaJsRecordSource: state topics', () => {
  it('reads a compacted state topic from its first record, another from --state-lookback back, and an undescribable one as not compacted', async () => {
    const compacted = new FakeConsumer();
    const first = fakeClient({ consumers: [compacted], compacted: true });
    const kafka = source(first.client, { stateTopics: new Map([['odin.trades', { lookbackMs: 600_000 }]]) });
    kafka.start(() => undefined);
    await until(() => compacted.eachBatch !== undefined);
    compacted.emit(EVENTS.GROUP_JOIN, { memberAssignment: { 'odin.trades': [0] } });
    expect(compacted.seeks).toEqual([{ topic: 'odin.trades', partition: 0, offset: '0' }]);
    expect(first.byTimestamp).not.toHaveBeenCalled();
    await kafka.stop();

    for (const policy of [false, 'unreadable'] as const) {
      const consumer = new FakeConsumer();
      const other = fakeClient({ consumers: [consumer], compacted: policy });
      const before = Date.now();
      const lookback = source(other.client, { stateTopics: new Map([['odin.trades', { lookbackMs: 600_000 }]]) });
      lookback.start(() => undefined);
      await until(() => consumer.eachBatch !== undefined);
      const since = (other.byTimestamp.mock.calls[0] as unknown as [string, number])[1];
      // The lookback (10 minutes), not the backfill (1 minute): the further of the two.
      expect(since).toBeGreaterThanOrEqual(before - 600_000);
      expect(since).toBeLessThanOrEqual(Date.now() - 600_000);
      await lookback.stop();
    }
  });
});

describe('KafkaJsRecordSource: states and failures', () => {
  it('is connecting until the first fetch, catching up until the start-time end, then consuming; stalled after 10 s without a fetch', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    const consumer = new FakeConsumer();
    const kafka = source(fakeClient({ consumers: [consumer] }).client);
    kafka.start(() => undefined);
    await until(() => consumer.eachBatch !== undefined);
    expect(kafka.state()).toBe('connecting');
    consumer.emit(EVENTS.GROUP_JOIN, { memberAssignment: { 'odin.trades': [0] } });
    await consumer.deliver([4, 5], 10);
    expect(kafka.state()).toBe('catching-up');
    await consumer.deliver([6, 7, 8, 9], 10);
    expect(kafka.state()).toBe('consuming');
    vi.setSystemTime(Date.now() + 10_001);
    expect(kafka.state()).toBe('stalled');
    await consumer.deliver([], 10);
    expect(kafka.state()).toBe('consuming');
    await kafka.stop();
    expect(kafka.state()).toBe('stopped');
  });

  it('stops for good when the brokers refuse its credentials at the first connection, with a coded error', async () => {
    const refusal = Object.assign(new Error('wrapped'), {
      name: 'KafkaJSNonRetriableError',
      originalError: Object.assign(new Error('SASL PLAIN authentication failed'), { name: 'KafkaJSSASLAuthenticationError' }),
    });
    const kafka = source(fakeClient({ consumers: [new FakeConsumer(refusal)] }).client);
    const fatal: Error[] = [];
    kafka.onFatal((error) => fatal.push(error));
    kafka.start(() => undefined);
    await until(() => fatal.length === 1);
    expect(fatal[0]).toMatchObject({ code: 'E_KAFKA_AUTH_FAILED', message: expect.stringContaining('refused the SASL credentials') });
    expect(kafka.state()).toBe('stopped');
  });

  it('keeps retrying a broker that is down, reconnecting meanwhile, and rebuilds the consumer after a crash kafkajs will not restart', async () => {
    const down = new FakeConsumer(Object.assign(new Error('connect ECONNREFUSED'), { name: 'KafkaJSConnectionError' }));
    const up = new FakeConsumer();
    const again = new FakeConsumer();
    const kafka = source(fakeClient({ consumers: [down, up, again] }).client);
    const states: string[] = [];
    kafka.onStateChange((state) => states.push(state));
    kafka.start(() => undefined);
    await until(() => up.eachBatch !== undefined);
    expect(states).toEqual(['reconnecting', 'connecting']);
    up.emit(EVENTS.CRASH, { error: new Error('gone'), restart: false });
    await until(() => again.eachBatch !== undefined);
    expect(states.slice(2)).toEqual(['reconnecting', 'connecting']);
    await kafka.stop();
  });
});
