export { assertSupportedNode, loadNativeUws, runtimeGlibc, SUPPORTED_RUNTIME, sha256OfFile, UWS_PACKAGE, uwsBinaryPath } from './platform/index.js';
export { createShardMetrics } from './shard-metrics.js';
export type { ShardServerOptions } from './shard-server.js';
export { ShardServer } from './shard-server.js';
export { startShard } from './start-shard.js';
// The maintained books alone, for tools that measure them (bench/: `pnpm bench book`).
export { OrderBooks } from './state/index.js';
