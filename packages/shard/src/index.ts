export { assertSupportedNode, runtimeGlibc, SUPPORTED_RUNTIME } from './runtime.js';
export { createShardMetrics } from './shard-metrics.js';
export type { ShardServerOptions } from './shard-server.js';
export { ShardServer } from './shard-server.js';
export { startShard } from './start-shard.js';
export { loadNativeUws, sha256OfFile, UWS_PACKAGE, uwsBinaryPath } from './uws.js';
