export type { LoadBalancerProcess } from './cluster.js';
export { startLoadBalancer } from './cluster.js';
export { createLoadBalancerMetrics } from './lb-metrics.js';
// The data path alone, without routing, admission, breakers or metrics: the bench's node-relay
// target measures what it costs (bench/src/node-relay-process.ts).
export { dialShard, splice } from './relay/index.js';
