export { runLoadBalancerCluster } from './cluster.js';
export { createLoadBalancerMetrics } from './lb-metrics.js';
export type { LoadBalancerWorkerOptions } from './lb-server.js';
export { LoadBalancerWorker, PUBLIC_PATH } from './lb-server.js';
