import { SOURCE_STATES } from '@odin-ws/kafka';
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

/**
 * Every metric a shard exports (docs/metrics.md lists them). Gauges that mirror state are read at
 * scrape time through `collect`, so the hot paths only ever increment counters.
 */
export function createShardMetrics(registry: Registry, readState: () => ShardStateSnapshot) {
  const registers = [registry];
  return {
    connectionsActive: new Gauge({
      name: 'ws_connections_active',
      help: 'Open WebSocket connections',
      registers,
      collect() {
        this.set(readState().connections);
      },
    }),
    connectionsMax: new Gauge({
      name: 'ws_connections_max',
      help: 'Configured connection limit',
      registers,
      collect() {
        this.set(readState().maxConnections);
      },
    }),
    authRefusals: new Counter({
      name: 'ws_auth_refusals_total',
      help: 'Handshakes refused with 401 (and refreshes refused), by token code (TOKEN_MISSING, TOKEN_INVALID, TOKEN_EXPIRED, ...)',
      labelNames: ['code'],
      registers,
    }),
    tokenExpiryCloses: new Counter({
      name: 'ws_token_expired_closes_total',
      help: 'Connections closed with 4001 because their token expired without a refresh',
      registers,
    }),
    connectionsTotal: new Counter({ name: 'ws_connections_total', help: 'WebSocket connections accepted', registers }),
    connectionsRejected: new Counter({
      name: 'ws_connections_rejected_total',
      help: 'Handshakes refused, by reason (at_capacity, draining, bad_handshake, origin_not_allowed, unauthorized, too_many_connections: the token sub holds --max-connections-per-user)',
      labelNames: ['reason'],
      registers,
    }),
    disconnects: new Counter({
      name: 'ws_disconnects_total',
      help: 'Closed connections, by reason: client_closed, slow_consumer, draining, message_too_big, invalid_utf8, abnormal (dropped, heartbeat timeout), other',
      labelNames: ['reason'],
      registers,
    }),
    subscriptionsActive: new Gauge({
      name: 'ws_subscriptions_active',
      help: 'Channel subscriptions over all connections',
      registers,
      collect() {
        this.set(readState().subscriptions);
      },
    }),
    channelsActive: new Gauge({
      name: 'ws_channels_active',
      help: 'Channels with at least one subscriber (the subscription index)',
      registers,
      collect() {
        this.set(readState().channels);
      },
    }),
    clientMessages: new Counter({ name: 'ws_client_messages_total', help: 'Client messages handled, by type', labelNames: ['type'], registers }),
    badMessages: new Counter({
      name: 'ws_bad_messages_total',
      help: 'Client messages rejected, by error code (docs/protocol.md), plus MESSAGE_TOO_BIG',
      labelNames: ['reason'],
      registers,
    }),
    slowClientDisconnects: new Counter({
      name: 'ws_slow_client_disconnects_total',
      help: 'Clients cut off for passing the backpressure limit',
      registers,
    }),
    recordsConsumed: new Counter({ name: 'ws_kafka_records_consumed_total', help: 'Kafka records received', labelNames: ['topic'], registers }),
    recordsDropped: new Counter({
      name: 'ws_kafka_records_dropped_total',
      help: 'Kafka records not broadcast, by reason (missing_key, invalid_key, empty_value, oversized, invalid_json)',
      labelNames: ['reason'],
      registers,
    }),
    envelopesBroadcast: new Counter({ name: 'ws_envelopes_broadcast_total', help: 'Envelopes published to a channel with subscribers', registers }),
    framesDelivered: new Counter({ name: 'ws_frames_delivered_total', help: 'Frames handed to subscriber sockets (envelopes x subscribers)', registers }),
    broadcastDuration: new Histogram({
      name: 'ws_broadcast_duration_seconds',
      help: 'Time to turn one Kafka batch into envelopes and publish them',
      buckets: [0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1],
      registers,
    }),
    recordAge: new Histogram({
      name: 'ws_record_age_seconds',
      help: 'Producer timestamp to publish time, per broadcast envelope',
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    }),
    kafkaPartitionsAdded: new Counter({
      name: 'ws_kafka_partitions_added_total',
      help: 'Partitions added to a consumed topic while the shard ran, read from their first record',
      labelNames: ['topic'],
      registers,
    }),
    kafkaLag: new Gauge({
      name: 'ws_kafka_consumer_lag',
      help: 'Records behind the high watermark, per partition',
      labelNames: ['topic', 'partition'],
      registers,
    }),
    kafkaState: new Gauge({
      name: 'ws_kafka_consumer_state',
      help: 'Kafka consumer state, 1 for the current one: connecting, catching-up, consuming, reconnecting, stalled, stopped',
      labelNames: ['state'],
      registers,
      collect() {
        const current = readState().kafkaState;
        for (const state of SOURCE_STATES) this.set({ state }, state === current ? 1 : 0);
      },
    }),
    historyChannels: new Gauge({
      name: 'ws_history_channels',
      help: 'Channels with records in the recovery history',
      registers,
      collect() {
        this.set(readState().history.channels);
      },
    }),
    historyEntries: new Gauge({
      name: 'ws_history_entries',
      help: 'Records held in the recovery history',
      registers,
      collect() {
        this.set(readState().history.entries);
      },
    }),
    historyBytes: new Gauge({
      name: 'ws_history_bytes',
      help: 'Estimated memory of the recovery history (frames plus per-record overhead)',
      registers,
      collect() {
        this.set(readState().history.bytes);
      },
    }),
    stateChannels: new Gauge({
      name: 'ws_state_channels',
      help: 'State channels (--state-channels) whose latest envelope is held for snapshots',
      registers,
      collect() {
        this.set(readState().state.channels);
      },
    }),
    stateBytes: new Gauge({
      name: 'ws_state_bytes',
      help: "Estimated memory of the state channels' latest envelopes (bounded by --state-max-bytes)",
      registers,
      collect() {
        this.set(readState().state.bytes);
      },
    }),
    stateEvictions: new Counter({
      name: 'ws_state_evictions_total',
      help: 'Latest values forgotten to stay within --state-max-bytes (the channel updated longest ago goes first)',
      registers,
    }),
    books: new Gauge({
      name: 'ws_books',
      help: 'Maintained books (state channels fed BOOK_SNAPSHOT and BOOK_UPDATE records, docs/market-data.md)',
      registers,
      collect() {
        this.set(readState().books.books);
      },
    }),
    bookLevels: new Gauge({
      name: 'ws_book_levels',
      help: 'Price levels held over all maintained books, both sides',
      registers,
      collect() {
        this.set(readState().books.levels);
      },
    }),
    staleBooks: new Gauge({
      name: 'ws_books_stale',
      help: 'Maintained books stale after a gap in prevSeq: nothing of them is forwarded until their next BOOK_SNAPSHOT',
      registers,
      collect() {
        this.set(readState().books.stale);
      },
    }),
    bookGaps: new Counter({
      name: 'ws_book_gaps_total',
      help: "BOOK_UPDATE records whose prevSeq was not their book's seq, or that changed more than twice --book-max-levels levels a side: each made the book stale",
      registers,
    }),
    bookLevelsDropped: new Counter({
      name: 'ws_book_levels_dropped_total',
      help: 'Price levels of maintained books dropped past --book-max-levels (deeper than a side keeps)',
      registers,
    }),
    bookApplyDuration: new Histogram({
      name: 'ws_book_apply_seconds',
      help: 'Time to apply one book record to its book and checksum it',
      buckets: [0.000001, 0.000005, 0.00001, 0.00005, 0.0001, 0.0005, 0.001, 0.005],
      registers,
    }),
    conflatedEnvelopes: new Counter({
      name: 'ws_conflated_envelopes_total',
      help: 'Envelopes published to rate variants (<channel>@<n>ms): at most one per channel and interval',
      registers,
    }),
    deltasPublished: new Counter({
      name: 'ws_deltas_published_total',
      help: 'State channel records published as deltas, Fossil or deflate (one per record and format with delta subscribers on this shard)',
      registers,
    }),
    snapshotsSent: new Counter({ name: 'ws_snapshots_sent_total', help: "Snapshots (a state channel's latest envelope) sent on subscribe", registers }),
    recoveries: new Counter({
      name: 'ws_recoveries_total',
      help: 'Channels a client asked to resume, by result (recovered, or the reason it was not)',
      labelNames: ['result'],
      registers,
    }),
    replayedFrames: new Counter({ name: 'ws_replayed_frames_total', help: 'Envelopes sent from the history to resuming clients', registers }),
    replayedBytes: new Counter({
      name: 'ws_replayed_bytes_total',
      help: 'Bytes of envelopes sent right after a subscription ack: replays from the history and snapshots',
      registers,
    }),
    draining: new Gauge({
      name: 'ws_draining',
      help: '1 while the shard drains',
      registers,
      collect() {
        this.set(readState().draining ? 1 : 0);
      },
    }),
  };
}

export type ShardMetrics = ReturnType<typeof createShardMetrics>;

export interface ShardStateSnapshot {
  connections: number;
  maxConnections: number;
  subscriptions: number;
  channels: number;
  kafkaState: string;
  draining: boolean;
  history: { channels: number; entries: number; bytes: number };
  state: { channels: number; bytes: number };
  books: { books: number; levels: number; stale: number };
}
