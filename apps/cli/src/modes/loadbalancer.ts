import type { LoadBalancerConfig } from '@odin-ws/config';
import { runLoadBalancerCluster } from '@odin-ws/loadbalancer';
import { createLogger } from '@odin-ws/observability';
import { exitAfterDrainOnSignal } from '../shutdown.js';

export async function runLoadBalancerMode(config: LoadBalancerConfig): Promise<void> {
  const logger = createLogger({ level: config.logLevel, base: { mode: 'loadbalancer' } });
  await runLoadBalancerCluster(config, logger, (drain) => exitAfterDrainOnSignal(logger, config.drainTimeoutS * 1000, drain));
}
