import type { SourceBatch } from '@odin-ws/kafka';
import { DeflateFrameKind } from '@odin-ws/protocol';
import { formTopicOf } from './channel-forms.js';
import type { ChannelHistory } from './channel-history.js';
import type { ChannelMapper } from './channel-mapper.js';
import type { Conflator } from './conflator.js';
import { buildDeflateFrame } from './deflate-frames.js';
import type { DeltaPublisher } from './deltas.js';
import type { LastValues } from './last-values.js';
import { recordToFrame } from './record-to-frame.js';
import type { ShardMetrics } from './shard-metrics.js';
import type { TemplatedApp } from './uws.js';

/** What the broadcaster keeps of each envelope besides publishing it. */
export interface KeptEnvelopes {
  history: ChannelHistory;
  lastValues: LastValues;
  /** Told of every new latest value, for the rate variants (`BTC.book@1000ms`). */
  conflator: Conflator;
  /** Publishes state channels' records as deltas to the subscriptions that asked for them. */
  deltas: DeltaPublisher;
}

/**
 * Publishes each Kafka batch to uWS topics: one envelope per record, one publish per envelope,
 * keeps every envelope in the channel's history so a client can resume from any shard, and the
 * latest of each state channel so a subscriber can be sent it at once.
 *
 * No JavaScript loop ever runs per subscriber. uWS v20's topic tree queues each published
 * message per subscriber and writes every subscriber's queue once per event-loop iteration,
 * corked, so a whole Kafka batch reaches a client in one syscall.
 */
export class Broadcaster {
  constructor(
    private readonly app: TemplatedApp,
    private readonly mapper: ChannelMapper,
    private readonly kept: KeptEnvelopes,
    private readonly metrics: ShardMetrics,
    private readonly options: { maxRecordSize: number; compress: boolean; anyCompressed: () => boolean },
  ) {}

  publishBatch(batch: SourceBatch): void {
    this.metrics.kafkaLag.set({ topic: batch.topic, partition: String(batch.partition) }, batch.lag);
    if (batch.records.length === 0) return;
    const stopTimer = this.metrics.broadcastDuration.startTimer();
    const now = Date.now();
    let envelopes = 0;
    let frames = 0;
    for (const record of batch.records) {
      const route = this.mapper.channelFor(record.topic, record.key);
      if (!route.ok) {
        this.metrics.recordsDropped.inc({ reason: route.reason });
        continue;
      }
      const { history, lastValues, conflator, deltas } = this.kept;
      const subscribers = this.app.numSubscribers(route.channel);
      // Most shards have no compressed subscription at all: then no record pays for the lookup.
      const compressedTopic = this.options.anyCompressed() ? formTopicOf(route.channel, 'compressed') : undefined;
      const compressedSubscribers = compressedTopic === undefined ? 0 : this.app.numSubscribers(compressedTopic);
      const isState = lastValues.isStateChannel(route.channel);
      // Nobody here listens and nothing is kept: skip the parse and the serialization altogether.
      if (subscribers === 0 && compressedSubscribers === 0 && !history.enabled && !isState) continue;
      const result = recordToFrame(record, route.channel, this.options.maxRecordSize);
      if (!result.ok) {
        this.metrics.recordsDropped.inc({ reason: result.reason });
        continue;
      }
      // History and last value first, publish second, in the same tick: a client subscribing later
      // finds this record in the history or as the snapshot, and one subscribed already gets it
      // live, never both.
      if (history.enabled) history.append(route.channel, record.topic, record.partition, record.offset, result.frame, now);
      if (isState) {
        const previous = lastValues.latestAs(route.channel);
        lastValues.record(route.channel, result.frame);
        conflator.updated(route.channel);
        deltas.published(route.channel, record.partition, record.offset, result.ts, result.frame, previous);
      }
      // Compressed once here for every subscriber that asked for `"compress":"deflate"`; already
      // compressed, it never goes through permessage-deflate again.
      if (compressedTopic !== undefined && compressedSubscribers > 0)
        this.app.publish(compressedTopic, buildDeflateFrame(DeflateFrameKind.FULL, route.channel, result.frame), true, false);
      if (subscribers + compressedSubscribers === 0) continue;
      // With permessage-deflate on, uWS compresses the envelope for each subscriber that negotiated
      // it; the others get it plain.
      if (subscribers > 0) this.app.publish(route.channel, result.frame, false, this.options.compress);
      envelopes++;
      frames += subscribers + compressedSubscribers;
      this.metrics.recordAge.observe(Math.max(0, now - record.timestamp) / 1000);
    }
    this.metrics.recordsConsumed.inc({ topic: batch.topic }, batch.records.length);
    this.metrics.envelopesBroadcast.inc(envelopes);
    this.metrics.framesDelivered.inc(frames);
    stopTimer();
  }
}
