import type { LoadBalancerConfig } from '@odin-ws/config';
import { runLoadBalancerCluster } from '@odin-ws/loadbalancer';
import { createLogger } from '@odin-ws/observability';

export async function runLoadBalancerMode(config: LoadBalancerConfig): Promise<void> {
  const logger = createLogger({ level: config.logLevel, base: { mode: 'loadbalancer' } });
  await runLoadBalancerCluster(config, logger);
}
