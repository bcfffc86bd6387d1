import type { LoadBalancerConfig } from '@odin-ws/config';
import { startLoadBalancer } from '@odin-ws/loadbalancer';
import { createLogger } from '@odin-ws/observability';
import { logRuntime } from '../runtime-facts.js';
import { exitAfterDrainOnSignal, exitOnFatal } from '../shutdown.js';

export async function runLoadBalancerMode(config: LoadBalancerConfig): Promise<void> {
  const logger = createLogger({ level: config.logLevel, base: { mode: 'loadbalancer' } });
  const lb = await startLoadBalancer(config, logger);
  if (lb.role === 'primary') logRuntime(logger);
  const shutdown = exitAfterDrainOnSignal(logger, config.drainTimeoutS * 1000, () => lb.drain(), {
    secondSignal: lb.role === 'primary' ? 'exit' : 'ignore',
  });
  lb.onDrainRequested(() => shutdown('drain requested by the primary'));
  lb.onFatal((error) => exitOnFatal(logger, error));
}
