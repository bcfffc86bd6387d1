import { setTimeout as sleep } from 'node:timers/promises';
import { describeError, OdinError } from '@odin-ws/errors';
import type { Logger } from '@odin-ws/observability';
import kafkajs, { type Admin, type Consumer, type EachBatchPayload, type Kafka } from 'kafkajs';
import { createKafkaJsClient, type KafkaConnection } from './kafkajs-client.js';
import { PartitionProgress, partitionKey, type StartPosition } from './partition-progress.js';
import type { RecordSource, SourceBatch, SourceRecord, SourceState } from './record-source.js';

export interface KafkaJsSourceOptions {
  connection: KafkaConnection;
  clientId: string;
  /** Unique per process: every shard must see every record, so shards never share a group. */
  groupId: string;
  topics: string[];
  /**
   * On the first start, begin each partition this many ms back in time rather than at its end, so
   * the shard's history holds that much from the start (0: start at the end).
   */
  backfillMs: number;
  /**
   * Topics whose records carry state (a ticker, a book): a fresh source starts each far enough back
   * to hold every key's latest record (or a book's last snapshot) before it reports ready. A compacted
   * topic (cleanup.policy compact) keeps about one record per key, so it is read from its first
   * record; any other from its lookback (or `backfillMs`, if further).
   */
  stateTopics?: ReadonlyMap<string, StateTopicRead>;
  /** How often topic metadata is re-read: a partition added to a live topic is read within this. */
  metadataRefreshMs: number;
  logger: Logger;
  /**
   * The kafkajs client to use instead of one made from `connection`. Only the unit tests pass one:
   * a stand-in that plays rejoins, crashes and refused credentials on cue, which a real broker
   * cannot be made to do in order (the end-to-end tests cover the real one).
   */
  client?: KafkaClient;
}

/** How a fresh source reads one state topic. */
export interface StateTopicRead {
  lookbackMs: number;
  /**
   * A shorter lookback for a partition of an incremental feed (maintained books: a snapshot at
   * least every `lookbackMs`, updates in between), recognized by the first record the source reads
   * of it (`isIncremental`): the source then jumps ahead to this lookback instead of reading an hour
   * of a busy feed, or all of a compacted one, before it reports ready. Any other partition (whole
   * states, the seed's records) is read from the state lookback as before.
   */
  incremental?: { lookbackMs: number; isIncremental: (value: Buffer | null) => boolean };
}

/** The part of a kafkajs client this source uses. */
export type KafkaClient = Pick<Kafka, 'consumer' | 'admin'>;

/** kafkajs' special offset for "the first offset the partition still holds". */
const EARLIEST_OFFSET = '-2';
/** An idle fetch returns after this long, so a healthy source reports a fetch at least this often. */
const MAX_FETCH_WAIT_MS = 500;
/** No completed fetch for this long while "consuming" means the broker is gone or stuck. */
const STALL_AFTER_MS = 10_000;
const RESTART_BACKOFF_MS = [250, 500, 1000, 2000, 5000];
/**
 * Longest a fresh source reports catching-up. Reading the history's worth of every partition takes
 * milliseconds at the seed's rates; if a partition never reaches its start-time end (its records
 * deleted by retention in between, and nothing new), waiting longer would keep the shard unready forever.
 */
const CATCH_UP_LIMIT_MS = 120_000;

export class KafkaJsRecordSource implements RecordSource {
  private readonly kafka: KafkaClient;
  private consumer: Consumer | undefined;
  private current: SourceState = 'connecting';
  private lastFetchAt = 0;
  private stopping = false;
  private readonly listeners: Array<(state: SourceState) => void> = [];
  private readonly partitionListeners: Array<(topic: string, partition: number) => void> = [];
  private readonly fatalListeners: Array<(error: Error) => void> = [];
  private readonly progress = new PartitionProgress();
  /** Each partition's high watermark, from the start positions and then every batch. */
  private readonly ends = new Map<string, number>();
  /** Partitions that appeared after start, announced once each. */
  private readonly addedPartitions = new Set<string>();
  /** Fetched before the first join; undefined once the first join has sought to them. */
  private firstPositions: Map<string, StartPosition> | undefined;
  /**
   * Per partition of a state topic with an incremental lookback: where it starts if its first
   * record read is of an incremental feed. Taken (or dropped) at its first batch.
   */
  private readonly incrementalStarts = new Map<string, { offset: number; isIncremental: (value: Buffer | null) => boolean }>();
  private joinedBefore = false;
  private catchUpDeadline = 0;

  constructor(private readonly options: KafkaJsSourceOptions) {
    this.kafka = options.client ?? createKafkaJsClient(options);
  }

  start(onBatch: (batch: SourceBatch) => void): void {
    void this.runUntilStopped(onBatch);
  }

  state(): SourceState {
    if (this.current !== 'consuming') return this.current;
    if (Date.now() - this.lastFetchAt > STALL_AFTER_MS) return 'stalled';
    if (this.progress.catchingUp && Date.now() > this.catchUpDeadline) {
      const partitions = this.progress.abandonCatchUp();
      this.options.logger.warn({ partitions, limitMs: CATCH_UP_LIMIT_MS }, 'stopped waiting for partitions to catch up; reporting ready');
    }
    return this.progress.catchingUp ? 'catching-up' : 'consuming';
  }

  coveredFrom(topic: string, partition: number): number | undefined {
    return this.progress.coveredFrom(partitionKey(topic, partition));
  }

  endOffset(topic: string, partition: number): number | undefined {
    return this.ends.get(partitionKey(topic, partition));
  }

  onStateChange(listener: (state: SourceState) => void): void {
    this.listeners.push(listener);
  }

  onPartitionAdded(listener: (topic: string, partition: number) => void): void {
    this.partitionListeners.push(listener);
  }

  onFatal(listener: (error: Error) => void): void {
    this.fatalListeners.push(listener);
  }

  async stop(): Promise<void> {
    this.stopping = true;
    this.setState('stopped');
    await this.consumer?.disconnect().catch(() => undefined);
    // The group only ever served this process; deleting it keeps the broker free of dead groups.
    const admin = this.kafka.admin();
    await admin
      .connect()
      .then(() => admin.deleteGroups([this.options.groupId]))
      .catch((error: unknown) => this.options.logger.debug({ err: describeError(error) }, 'consumer group not deleted'))
      .finally(() => admin.disconnect().catch(() => undefined));
  }

  private async runUntilStopped(onBatch: (batch: SourceBatch) => void): Promise<void> {
    for (let attempt = 0; !this.stopping; attempt++) {
      try {
        await this.runConsumer(onBatch);
        return; // running: kafkajs restarts the consumer itself on retriable failures
      } catch (error) {
        if (this.stopping) return;
        // Refused credentials at the first connection are a configuration error, not an outage.
        // (Later, a rotation gone wrong keeps retrying: the shard keeps its clients meanwhile.)
        if (!this.joinedBefore && isAuthenticationFailure(error)) {
          this.stopping = true;
          this.setState('stopped');
          const fatal = new OdinError('E_KAFKA_AUTH_FAILED', `the Kafka brokers refused the SASL credentials: ${describeError(error)}`, {}, { cause: error });
          for (const listener of this.fatalListeners) listener(fatal);
          return;
        }
        const delay = RESTART_BACKOFF_MS[Math.min(attempt, RESTART_BACKOFF_MS.length - 1)]!;
        this.options.logger.warn({ err: describeError(error), retryInMs: delay }, 'kafka consumer failed to start; retrying');
        this.setState('reconnecting');
        await this.consumer?.disconnect().catch(() => undefined);
        await sleep(delay);
      }
    }
  }

  private async runConsumer(onBatch: (batch: SourceBatch) => void): Promise<void> {
    this.setState('connecting');
    // Before the first join: a failure here (broker unreachable) is retried like any start failure.
    if (!this.joinedBefore && this.firstPositions === undefined) this.firstPositions = await this.fetchStartPositions();
    const consumer = this.kafka.consumer({
      groupId: this.options.groupId,
      sessionTimeout: 10_000,
      rebalanceTimeout: 10_000,
      heartbeatInterval: 3_000,
      maxWaitTimeInMs: MAX_FETCH_WAIT_MS,
      // kafkajs notices partitions added to a subscribed topic only when its metadata expires (default
      // 5 minutes, measured: a new partition read 5 minutes late, from its end). A short age makes
      // the group rejoin within seconds; resumeWhereDelivered then reads the partition from its start.
      metadataMaxAge: this.options.metadataRefreshMs,
      // Restart on every failure: a fan-out shard must outlive any broker outage.
      retry: { initialRetryTime: 250, maxRetryTime: 5000, retries: 8, restartOnFailure: async () => !this.stopping },
    });
    this.consumer = consumer;
    this.watch(consumer, onBatch);
    await consumer.connect();
    await consumer.subscribe({ topics: this.options.topics, fromBeginning: false });
    await consumer.run({
      // No commits: the group lives as long as this process, and a rejoin resumes from the
      // positions this process reached (resumeWhereDelivered), which commits could only lag behind.
      autoCommit: false,
      eachBatchAutoResolve: true,
      eachBatch: async (payload) => this.handleBatch(payload, onBatch),
    });
  }

  private watch(consumer: Consumer, onBatch: (batch: SourceBatch) => void): void {
    const { events } = consumer;
    consumer.on(events.GROUP_JOIN, (event) => {
      this.options.logger.info({ groupId: this.options.groupId }, 'kafka consumer joined group');
      this.resumeWhereDelivered(consumer, event.payload.memberAssignment);
    });
    // The first completed fetch after a join means offsets are resolved: from here no record is missed.
    consumer.on(events.FETCH, () => {
      this.lastFetchAt = Date.now();
      if (!this.stopping && this.current !== 'consuming') this.setState('consuming');
    });
    consumer.on(events.CRASH, (event) => {
      if (this.stopping) return;
      this.options.logger.warn({ err: describeError(event.payload.error), restart: event.payload.restart }, 'kafka consumer crashed');
      this.setState('reconnecting');
      // kafkajs restarts by itself when restart is true; otherwise we build a new consumer.
      if (!event.payload.restart) void this.runUntilStopped(onBatch);
    });
    consumer.on(events.END_BATCH_PROCESS, ({ payload }) => {
      this.progress.markConsumed(partitionKey(payload.topic, payload.partition), Number(payload.lastOffset));
    });
    consumer.on(events.DISCONNECT, () => {
      if (!this.stopping) this.setState('reconnecting');
    });
  }

  /**
   * Seeks every assigned partition, synchronously inside the join event (before the first fetch,
   * or it has no effect). First join: to the planned start positions (--history-max-age back).
   *
   * Hazard: after a broker restart the group is rejoined and kafkajs resumes from the committed
   * offset or, with none, jumps to the latest offset and silently skips what was produced during
   * the rejoin (measured: the Kafka-restart test loses those records without this). So on every
   * later join each partition is sought to the position this process actually reached.
   */
  private resumeWhereDelivered(consumer: Consumer, assignment: Record<string, number[]>): void {
    if (!this.joinedBefore && this.firstPositions) {
      this.progress.planStart(this.firstPositions);
      this.catchUpDeadline = Date.now() + CATCH_UP_LIMIT_MS;
    }
    this.joinedBefore = true;
    this.firstPositions = undefined;
    for (const [topic, partitions] of Object.entries(assignment)) {
      for (const partition of partitions) {
        const position = this.progress.resumePosition(partitionKey(topic, partition));
        if (position !== undefined) {
          consumer.seek({ topic, partition, offset: String(position) });
          continue;
        }
        // A partition this source has neither planned nor read: it was added to the topic after the
        // source started. Everything in it is new, so it is read from its first record (kafkajs would
        // start at its end and skip what was produced before this rejoin).
        consumer.seek({ topic, partition, offset: EARLIEST_OFFSET });
        if (this.addedPartitions.has(partitionKey(topic, partition))) continue; // announced at an earlier rejoin
        this.addedPartitions.add(partitionKey(topic, partition));
        this.options.logger.info({ topic, partition }, 'partition added to a live topic: reading it from its first record');
        for (const listener of this.partitionListeners) listener(topic, partition);
      }
    }
  }

  /**
   * Per partition: the first offset at or after the topic's start time (now - backfillMs, or further
   * back for a state topic), and the current end.
   */
  private async fetchStartPositions(): Promise<Map<string, StartPosition>> {
    const admin = this.kafka.admin();
    await admin.connect();
    try {
      const positions = new Map<string, StartPosition>();
      for (const topic of this.options.topics) {
        const offsets = await admin.fetchTopicOffsets(topic);
        const ends = new Map(offsets.map(({ partition, high }) => [partition, Number(high)]));
        const since = await this.startTimeOf(admin, topic);
        if (since === 'first-record') {
          for (const { partition, low } of offsets) positions.set(partitionKey(topic, partition), { start: Number(low), end: ends.get(partition)! });
          for (const [partition, end] of ends) this.ends.set(partitionKey(topic, partition), end);
          continue;
        }
        for (const { partition, offset } of await admin.fetchTopicOffsetsByTimestamp(topic, since)) {
          const end = ends.get(partition) ?? Number(offset);
          // By-timestamp answers the end for a partition with nothing newer; never start past the end seen.
          positions.set(partitionKey(topic, partition), { start: Math.min(Number(offset), end), end });
          this.ends.set(partitionKey(topic, partition), end);
        }
      }
      await this.planIncrementalStarts(admin, positions);
      return positions;
    } finally {
      await admin.disconnect();
    }
  }

  /** For each state topic with an incremental lookback: where each partition would start by it, when that is later than its planned start. */
  private async planIncrementalStarts(admin: Admin, positions: Map<string, StartPosition>): Promise<void> {
    for (const [topic, read] of this.options.stateTopics ?? []) {
      if (read.incremental === undefined || !this.options.topics.includes(topic)) continue;
      const since = Date.now() - Math.max(this.options.backfillMs, read.incremental.lookbackMs);
      for (const { partition, offset } of await admin.fetchTopicOffsetsByTimestamp(topic, since)) {
        const key = partitionKey(topic, partition);
        const planned = positions.get(key);
        if (planned === undefined || Number(offset) <= planned.start) continue;
        this.incrementalStarts.set(key, { offset: Math.min(Number(offset), planned.end), isIncremental: read.incremental.isIncremental });
      }
    }
  }

  /**
   * At a partition's first batch: when it is of an incremental feed and its shorter lookback starts
   * later, seek there and hand this batch over to no one (the records before are skipped, and the
   * partition is covered from there). Returns whether it sought.
   */
  private tookIncrementalStart(key: string, batch: EachBatchPayload['batch']): boolean {
    const shortcut = this.incrementalStarts.get(key);
    if (shortcut === undefined) return false;
    this.incrementalStarts.delete(key);
    const first = batch.messages[0];
    if (first === undefined || Number(first.offset) >= shortcut.offset || !shortcut.isIncremental(first.value)) return false;
    this.progress.skipTo(key, shortcut.offset);
    this.consumer?.seek({ topic: batch.topic, partition: batch.partition, offset: String(shortcut.offset) });
    this.options.logger.info(
      { topic: batch.topic, partition: batch.partition, from: Number(first.offset), to: shortcut.offset },
      'incremental state partition: reading from its shorter lookback',
    );
    return true;
  }

  /** Where a fresh source starts a topic: a time (ms since the epoch), or its first record. */
  private async startTimeOf(admin: Admin, topic: string): Promise<number | 'first-record'> {
    const { backfillMs, stateTopics } = this.options;
    const read = stateTopics?.get(topic);
    if (read === undefined) return Date.now() - backfillMs;
    const lookback = Date.now() - Math.max(backfillMs, read.lookbackMs);
    const compacted = await isCompacted(admin, topic).catch((error: unknown) => {
      this.options.logger.warn(
        { err: describeError(error), topic },
        "cannot read the state topic's cleanup.policy (DescribeConfigs): reading it as not compacted",
      );
      return false;
    });
    return compacted ? 'first-record' : lookback;
  }

  private handleBatch({ batch }: EachBatchPayload, onBatch: (batch: SourceBatch) => void): void {
    const key = partitionKey(batch.topic, batch.partition);
    if (this.tookIncrementalStart(key, batch)) return;
    const lastDelivered = this.progress.lastDelivered(key);
    const records: SourceRecord[] = [];
    for (const message of batch.messages) {
      const offset = Number(message.offset);
      if (offset <= lastDelivered) continue; // re-fetched after a rejoin: already handed over
      records.push({
        topic: batch.topic,
        partition: batch.partition,
        offset,
        key: message.key,
        value: message.value,
        timestamp: Number(message.timestamp),
      });
    }
    const nextOffset = records.length > 0 ? records[records.length - 1]!.offset + 1 : lastDelivered + 1;
    const highWatermark = Number(batch.highWatermark);
    this.ends.set(key, highWatermark);
    const lag = Math.max(0, highWatermark - nextOffset);
    if (records.length > 0) this.progress.markDelivered(key, records[0]!.offset, nextOffset - 1);
    onBatch({ topic: batch.topic, partition: batch.partition, records, lag });
  }

  private setState(state: SourceState): void {
    if (state === this.current) return;
    this.current = state;
    this.options.logger.info({ state }, 'kafka source state');
    for (const listener of this.listeners) listener(state);
  }
}

/** kafkajs wraps errors in retry errors; the SASL refusal is somewhere in the chain. */
function isAuthenticationFailure(error: unknown): boolean {
  for (let current: unknown = error, depth = 0; current instanceof Error && depth < 10; depth++) {
    if (current.name === 'KafkaJSSASLAuthenticationError') return true;
    current = (current as { originalError?: unknown }).originalError ?? current.cause;
  }
  return false;
}

/** Whether the topic's cleanup.policy includes compact (a topic the broker cannot describe counts as not). */
async function isCompacted(admin: Admin, topic: string): Promise<boolean> {
  const described = await admin.describeConfigs({
    // A named import of ConfigResourceTypes fails to load: Node's CommonJS export detection misses it in kafkajs.
    resources: [{ type: kafkajs.ConfigResourceTypes.TOPIC, name: topic, configNames: ['cleanup.policy'] }],
    includeSynonyms: false,
  });
  const policy = described.resources[0]?.configEntries.find((entry) => entry.configName === 'cleanup.policy')?.configValue ?? '';
  return policy.split(',').includes('compact');
}
