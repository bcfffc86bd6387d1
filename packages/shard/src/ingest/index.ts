/**
 * ingest/: where a Kafka record becomes a frame. The channel a record names (channel-mapper.ts),
 * its envelope, built once (record-to-frame.ts), and the batch loop that keeps and publishes each
 * one (broadcaster.ts).
 */
export { Broadcaster, type KeptEnvelopes } from './broadcaster.js';
export { ChannelMapper } from './channel-mapper.js';
export { type DropReason, type FrameResult, recordToFrame } from './record-to-frame.js';
