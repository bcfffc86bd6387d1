import type { SourceBatch, SourceRecord } from '@odin-ws/kafka';
import { type BookRecord, buildEnvelope, markSnapshot, readBookRecord } from '@odin-ws/protocol';
import type { BookDepthPublisher, Conflator, RecordPublisher } from '../delivery/index.js';
import type { ShardMetrics } from '../shard-metrics.js';
import type { BookVariants, ChannelHistory, LastValues, OrderBooks, PreviousPositions, StateChannels } from '../state/index.js';
import type { ChannelMapper } from './channel-mapper.js';
import { recordToFrame } from './record-to-frame.js';

/** Where each envelope goes besides its live subscribers. */
export interface KeptEnvelopes {
  history: ChannelHistory;
  /** The latest envelope of each state channel, for snapshots and as the base of deltas. */
  lastValues: LastValues;
  /** Told of every new latest value, for the rate variants (`BTC.book@1000ms`). */
  conflator: Conflator;
  /** The maintained books: state channels whose records are BOOK_SNAPSHOT / BOOK_UPDATE. */
  books: OrderBooks;
  /** Their rate variants, told of each level before it changes. */
  bookVariants: BookVariants;
  /** Their top-N depths (`"depth"`), told of each book record published. */
  bookDepths?: Pick<BookDepthPublisher, 'published'>;
  /** Each channel's last envelope, for the next one's `prev`. */
  positions: PreviousPositions;
}

/**
 * Where a Kafka batch becomes frames: each record is routed to its channel, made into one envelope
 * (record-to-frame.ts), kept in the channel's history so a client can resume from any shard, kept
 * as the latest value of a state channel so a subscriber can be sent it at once, and published in
 * every form someone here takes it in (RecordPublisher, delivery/).
 */
export class Broadcaster {
  /** Per partition ("topic:partition"), the offset after the last record read and published here. */
  private readonly readEnds = new Map<string, number>();

  constructor(
    private readonly mapper: ChannelMapper,
    private readonly stateChannels: StateChannels,
    private readonly kept: KeptEnvelopes,
    private readonly publisher: RecordPublisher,
    private readonly metrics: ShardMetrics,
    private readonly maxRecordSize: number,
  ) {}

  publishBatch(batch: SourceBatch): void {
    this.metrics.kafkaLag.set({ topic: batch.topic, partition: String(batch.partition) }, batch.lag);
    if (batch.records.length === 0) return;
    const stopTimer = this.metrics.broadcastDuration.startTimer();
    const now = Date.now();
    const { history, lastValues, conflator } = this.kept;
    let envelopes = 0;
    let frames = 0;
    for (const record of batch.records) {
      const route = this.mapper.channelFor(record.topic, record.key);
      if (!route.ok) {
        this.metrics.recordsDropped.inc({ reason: route.reason });
        continue;
      }
      const { channel } = route;
      const isState = this.stateChannels.has(channel);
      // Nobody here listens and nothing is kept: skip the parse and the serialization altogether.
      if (!history.enabled && !isState && !this.publisher.hasSubscribers(channel, false)) continue;
      const { partition, offset } = record;
      const prev = this.kept.positions.prevOf(channel, partition);
      const result = recordToFrame(record, channel, this.maxRecordSize, prev);
      if (!result.ok) {
        this.metrics.recordsDropped.inc({ reason: result.reason });
        continue;
      }
      let envelope = result.frame;
      const book = isState ? readBookRecord(result.value) : undefined;
      if (book !== undefined) {
        const applied = book.ok ? this.applyBook(channel, book.record, record, { ...result, prev }) : undefined;
        if (!book.ok) this.metrics.recordsDropped.inc({ reason: book.reason });
        if (applied === undefined) continue;
        envelope = applied;
      }
      // History and last value first, publish second, in the same tick: a client subscribing later
      // finds this record in the history or as the snapshot, and one subscribed already gets it
      // live, never both.
      this.kept.positions.published(channel, partition, offset);
      if (history.enabled) history.append(channel, record.topic, partition, offset, envelope, now);
      let previous: ReturnType<LastValues['latest']>;
      if (isState) {
        previous = lastValues.latest(channel);
        lastValues.record(channel, { envelope, partition, offset });
        conflator.updated(channel);
      }
      const delivered = this.publisher.publish({ channel, partition, offset, ts: result.ts, prev, envelope, previous }, isState);
      if (book !== undefined) this.kept.bookDepths?.published(channel);
      if (delivered === 0) continue;
      envelopes++;
      frames += delivered;
      this.metrics.recordAge.observe(Math.max(0, now - record.timestamp) / 1000);
    }
    // After the batch is published: a resume waiting for these positions (ahead-positions.ts) is
    // answered only once their records went out, so none of them reaches it twice.
    this.readEnds.set(`${batch.topic}:${batch.partition}`, batch.records.at(-1)!.offset + 1);
    this.metrics.recordsConsumed.inc({ topic: batch.topic }, batch.records.length);
    this.metrics.envelopesBroadcast.inc(envelopes);
    this.metrics.framesDelivered.inc(frames);
    stopTimer();
  }

  /** The offset after the last record of the partition read and published here; undefined before any. */
  readEndOf(topic: string, partition: number): number | undefined {
    return this.readEnds.get(`${topic}:${partition}`);
  }

  /**
   * Applies a book record to its book (order-books.ts). Returns the envelope to keep and publish (the
   * record as it came, with the book's checksum after it; a snapshot that heals a stale book marked
   * `"snapshot":true`, so every subscriber starts again from it), or undefined for a record that is
   * forwarded to no one: a replay, a gap (the book turns stale) or an update to a stale book.
   */
  private applyBook(
    channel: string,
    book: BookRecord,
    record: SourceRecord,
    frame: { ts: number; value: unknown; dataJson: string; prev: number | null },
  ): string | undefined {
    const stopTimer = this.metrics.bookApplyDuration.startTimer();
    const symbol = (frame.value as { data?: { symbol?: unknown } }).data?.symbol;
    const { books, bookVariants } = this.kept;
    const at = { partition: record.partition, offset: record.offset, ts: frame.ts, prev: frame.prev };
    const outcome = books.apply(channel, book, symbol, at, bookVariants.watcherFor(channel));
    if (outcome.kind === 'snapshot') bookVariants.reset(channel);
    stopTimer();
    if (outcome.kind !== 'snapshot' && outcome.kind !== 'applied') {
      if (outcome.kind === 'gap') this.metrics.bookGaps.inc();
      this.metrics.recordsDropped.inc({ reason: `book_${outcome.kind}` });
      return undefined;
    }
    if (outcome.droppedLevels > 0) this.metrics.bookLevelsDropped.inc(outcome.droppedLevels);
    const { partition, offset } = record;
    const envelope = buildEnvelope({ channel, partition, offset, ts: frame.ts, prev: frame.prev, checksum: outcome.checksum, dataJson: frame.dataJson });
    return outcome.healed ? markSnapshot(envelope) : envelope;
  }
}
