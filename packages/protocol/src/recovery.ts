/**
 * Recovery: resuming a channel from the last position a client saw, on any shard.
 *
 * A position is the `pos` of an envelope (Kafka partition and offset). Every shard consumes the same
 * partitions, so it names the same record everywhere, and a client can hand it to whichever shard
 * it lands on after a reconnect.
 */
export interface StreamPosition {
  partition: number;
  offset: number;
}

/**
 * Why a channel could not be recovered; the client must then resync that channel by other means
 * (its data since the position is not all available here).
 * - POSITION_TOO_OLD: the position is older than this shard's history of the channel.
 * - UNKNOWN_POSITION: the position is on a partition this shard cannot compare (the channel moved,
 *   or its topic is unknown or ambiguous).
 * - POSITION_AHEAD: the position is far beyond the partition's end: it names no record that exists
 *   (a re-created topic, another cluster after a failover).
 * - REPLAY_TOO_LARGE: the missed records exceed what this connection may be replayed now: one
 *   subscribe's cap (--max-replay-bytes), the same per second, and the unsent room it has left.
 * - HISTORY_DISABLED: the shard keeps no history (--history-size 0).
 */
export type RecoveryFailure = 'POSITION_TOO_OLD' | 'POSITION_AHEAD' | 'UNKNOWN_POSITION' | 'REPLAY_TOO_LARGE' | 'HISTORY_DISABLED';

/** Per channel in a `subscription_ack` whose request carried positions. */
export type ChannelRecovery = { recovered: true; replayed: number } | { recovered: false; reason: RecoveryFailure };
