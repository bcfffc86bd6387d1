import { collectDefaultMetrics, Gauge, Registry } from 'prom-client';
import { memoryLimitBytes } from './memory-limit.js';

/**
 * A registry per server instance (not prom-client's global one), so two servers in one
 * process — as in tests — never share or double-register metrics. Default process metrics
 * (CPU, memory, event-loop lag, GC, handles) are always on, with the memory limit beside them.
 */
export function createMetricsRegistry(defaultLabels: Record<string, string>): Registry {
  const registry = new Registry();
  registry.setDefaultLabels(defaultLabels);
  // The lag monitor's timer wakes the process at this period, busy or idle: every 20 ms cost 4.4 ms
  // of CPU per second per process, every 100 ms 1.2 (docs/performance.md), and a stall of more
  // than 100 ms still shows in full.
  collectDefaultMetrics({ register: registry, eventLoopMonitoringPrecision: 100 });
  const limit = memoryLimitBytes();
  new Gauge({
    name: 'odin_memory_limit_bytes',
    help: 'Memory this process may use: its cgroup limit, else the machine RAM (compare process_resident_memory_bytes)',
    // Load-balancer workers share one limit: the cluster view must not add them up.
    aggregator: 'max',
    registers: [registry],
    collect() {
      this.set(limit);
    },
  });
  return registry;
}
