export type { LoadBalancerProcess } from './cluster.js';
export { startLoadBalancer } from './cluster.js';
export { createLoadBalancerMetrics } from './lb-metrics.js';
