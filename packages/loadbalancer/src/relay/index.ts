/**
 * relay/: a proxied connection's bytes. The handshake to a shard and its answer
 * (upstream-handshake.ts, shard-reader.ts), then the splice that relays frames both ways
 * (splice.ts, with client-frames.ts and handle-write.ts on the hazards), the close frames the LB
 * writes itself (close-frame.ts), and the set of live splices (spliced-connections.ts).
 */
export { upgradeAndClose } from './close-frame.js';
export { type Splice, type SpliceEvents, splice } from './splice.js';
export { SplicedConnections } from './spliced-connections.js';
export { buildUpstreamRequest, dialShard, HandshakeFailure, type HandshakeFailureReason, type UpstreamConnection } from './upstream-handshake.js';
