export { createShardMetrics } from './shard-metrics.js';
export type { ShardServerOptions } from './shard-server.js';
export { ShardServer } from './shard-server.js';
export { startShard } from './start-shard.js';
export { loadNativeUws } from './uws.js';
