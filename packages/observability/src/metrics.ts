import { Registry, collectDefaultMetrics } from 'prom-client';

/**
 * A registry per server instance (not prom-client's global one), so two servers in one
 * process — as in tests — never share or double-register metrics. Default process metrics
 * (CPU, memory, event-loop lag, GC, handles) are always on.
 */
export function createMetricsRegistry(defaultLabels: Record<string, string>): Registry {
  const registry = new Registry();
  registry.setDefaultLabels(defaultLabels);
  collectDefaultMetrics({ register: registry, eventLoopMonitoringPrecision: 20 });
  return registry;
}
