import { createLoadBalancerMetrics } from '@odin-ws/loadbalancer';
import { createMetricsRegistry, renderMetricsReference } from '@odin-ws/observability';
import { createShardMetrics } from '@odin-ws/shard';

/**
 * docs/metrics.md: both tiers' metrics, from the same definitions the processes register. Metrics
 * are only declared here, never collected, so no state is needed.
 */
export function renderMetricsDocs(): string {
  const noState = () => {
    throw new Error('not collected when rendering docs');
  };
  const shard = createMetricsRegistry({ shard_id: 'docs' });
  createShardMetrics(shard, noState);
  const loadBalancer = createMetricsRegistry({});
  createLoadBalancerMetrics(loadBalancer, noState);
  return renderMetricsReference([
    { title: 'Shard (`--mode=shard`, port 3002 by default)', intro: 'Every shard metric carries the label `shard_id`.', registry: shard },
    {
      title: 'Load balancer (`--mode=loadbalancer`, port 3001 by default)',
      intro: 'Per-shard series carry the `shard_id` the shard reports in its `/health`.',
      registry: loadBalancer,
      combinesWorkers: true,
    },
  ]);
}
