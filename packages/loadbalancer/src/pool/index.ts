/**
 * pool/: the shards a load balancer can route to. The list (--shards or a list file,
 * shard-list-file.ts), each shard's health from its /load (shard-health.ts), its circuit breaker and
 * failure window (pooled-shard.ts, failure-window.ts), and the order in which they are tried, by
 * health score (shard-selector.ts).
 */
export { createPooledShard, dialPooledShard, type PooledShard, retirePooledShard } from './pooled-shard.js';
export { ShardPool } from './shard-pool.js';
