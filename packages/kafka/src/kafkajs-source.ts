import type { Consumer, EachBatchPayload, Kafka } from 'kafkajs';
import { describeError } from '@odin-ws/errors';
import type { Logger } from '@odin-ws/observability';
import { createKafkaJsClient } from './kafkajs-client.js';
import type { RecordSource, SourceBatch, SourceRecord, SourceState } from './record-source.js';

export interface KafkaJsSourceOptions {
  brokers: string[];
  clientId: string;
  /** Unique per process: every shard must see every record, so shards never share a group. */
  groupId: string;
  topics: string[];
  logger: Logger;
}

/** An idle fetch returns after this long, so a healthy source reports a fetch at least this often. */
const MAX_FETCH_WAIT_MS = 500;
/** No completed fetch for this long while "consuming" means the broker is gone or stuck. */
const STALL_AFTER_MS = 10_000;
const RESTART_BACKOFF_MS = [250, 500, 1000, 2000, 5000];

export class KafkaJsRecordSource implements RecordSource {
  private readonly kafka: Kafka;
  private consumer: Consumer | undefined;
  private current: SourceState = 'connecting';
  private lastFetchAt = 0;
  private stopping = false;
  private readonly listeners: Array<(state: SourceState) => void> = [];
  /** Last offset handed over per "topic:partition": guards the no-duplicate contract across rejoins. */
  private readonly deliveredOffsets = new Map<string, number>();
  /** High watermarks at the first join: where partitions that have had no record since start resume. */
  private startWatermarks: Map<string, number> | undefined;
  private joinedBefore = false;

  constructor(private readonly options: KafkaJsSourceOptions) {
    this.kafka = createKafkaJsClient(options);
  }

  start(onBatch: (batch: SourceBatch) => void): void {
    void this.runUntilStopped(onBatch);
  }

  state(): SourceState {
    if (this.current === 'consuming' && Date.now() - this.lastFetchAt > STALL_AFTER_MS) return 'stalled';
    return this.current;
  }

  onStateChange(listener: (state: SourceState) => void): void {
    this.listeners.push(listener);
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
    const consumer = this.kafka.consumer({
      groupId: this.options.groupId,
      sessionTimeout: 10_000,
      rebalanceTimeout: 10_000,
      heartbeatInterval: 3_000,
      maxWaitTimeInMs: MAX_FETCH_WAIT_MS,
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
    consumer.on(events.DISCONNECT, () => {
      if (!this.stopping) this.setState('reconnecting');
    });
  }

  /**
   * Hazard: after a broker restart the group is rejoined and kafkajs resumes from the committed
   * offset or, with none, jumps to the latest offset and silently skips what was produced during
   * the rejoin (measured: the Kafka-restart test loses those records without this). So on every
   * rejoin each partition is sought to the position this process actually reached. The seek must
   * happen synchronously inside the join event, before the first fetch, to take effect.
   */
  private resumeWhereDelivered(consumer: Consumer, assignment: Record<string, number[]>): void {
    if (!this.joinedBefore) {
      this.joinedBefore = true; // first join: start at the latest offset, as documented
      this.fetchWatermarks().then(
        (watermarks) => (this.startWatermarks = watermarks),
        (error: unknown) => this.options.logger.warn({ err: describeError(error) }, 'start watermarks unavailable'),
      );
      return;
    }
    for (const [topic, partitions] of Object.entries(assignment)) {
      for (const partition of partitions) {
        const key = `${topic}:${partition}`;
        const delivered = this.deliveredOffsets.get(key);
        const position = delivered === undefined ? this.startWatermarks?.get(key) : delivered + 1;
        if (position !== undefined) consumer.seek({ topic, partition, offset: String(position) });
      }
    }
  }

  private async fetchWatermarks(): Promise<Map<string, number>> {
    const admin = this.kafka.admin();
    await admin.connect();
    try {
      const watermarks = new Map<string, number>();
      for (const topic of this.options.topics) {
        for (const { partition, high } of await admin.fetchTopicOffsets(topic)) watermarks.set(`${topic}:${partition}`, Number(high));
      }
      return watermarks;
    } finally {
      await admin.disconnect();
    }
  }

  private handleBatch({ batch }: EachBatchPayload, onBatch: (batch: SourceBatch) => void): void {
    const partitionKey = `${batch.topic}:${batch.partition}`;
    const lastDelivered = this.deliveredOffsets.get(partitionKey) ?? -1;
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
    const lag = Math.max(0, Number(batch.highWatermark) - nextOffset);
    if (records.length > 0) this.deliveredOffsets.set(partitionKey, nextOffset - 1);
    onBatch({ topic: batch.topic, partition: batch.partition, records, lag });
  }

  private setState(state: SourceState): void {
    if (state === this.current) return;
    this.current = state;
    this.options.logger.info({ state }, 'kafka source state');
    for (const listener of this.listeners) listener(state);
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
