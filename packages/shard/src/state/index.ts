/**
 * state/: what a shard keeps of the records it has seen, so a subscriber can be given what it
 * missed or the current state: the history per channel (replay after `since`), the latest value
 * of each state channel (snapshots), which channels those are, and the wait for positions that
 * are ahead of this shard's fetches.
 */
export { AheadPositions } from './ahead-positions.js';
export { BookVariants } from './book-variants.js';
export { ChannelHistory, type HistoryCoverage, type RecoveryResult } from './channel-history.js';
export { LastValues, type LatestValue } from './last-values.js';
export { type BookOutcome, OrderBooks } from './order-books.js';
export { MAX_TRACKED_CHANNELS, PreviousPositions } from './previous-positions.js';
export { planReplay, type ReplayPlan } from './replay.js';
export { planSnapshots, type SnapshotPlan } from './snapshots.js';
export { StateChannels } from './state-channels.js';
