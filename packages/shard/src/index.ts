export { ShardServer } from './shard-server.js';
export type { ShardServerOptions } from './shard-server.js';
export type { HealthReport } from './http-routes.js';
export { startShard } from './start-shard.js';
export { loadNativeUws } from './uws.js';
export { createShardMetrics } from './shard-metrics.js';
