import { request } from 'node:http';
import { parseShardLoadReport, SHARD_LOAD_PATH, type ShardLoadReport } from '@odin-ws/protocol';

/** What the load balancer believes about one shard, from its last /load answer. */
export interface ShardHealth {
  /** True when the last poll succeeded and the shard said status "ok" (consuming, not draining). */
  ready: boolean;
  draining: boolean;
  connections: number;
  maxConnections: number;
  utilization: number;
}

/** Before the first answer: not ready, and scored as full. */
export const UNKNOWN_HEALTH: ShardHealth = { ready: false, draining: false, connections: 0, maxConnections: 0, utilization: 1 };

/** The health a report says; with no report (no answer, a bad one), what we knew, but not ready. */
export function healthFrom(report: ShardLoadReport | undefined, previous: ShardHealth): ShardHealth {
  if (!report) return { ...previous, ready: false };
  const { connections, maxConnections } = report;
  return {
    ready: report.status === 'ok',
    draining: report.draining,
    connections,
    maxConnections,
    utilization: maxConnections > 0 ? Math.min(1, connections / maxConnections) : 1,
  };
}

/**
 * At least a second even with short intervals: on a loaded machine a healthy shard can take a few
 * hundred ms to answer, and a timed-out first poll would label its metrics host:port for good.
 */
export function pollTimeoutMs(intervalMs: number): number {
  return Math.max(1000, Math.min(intervalMs, 2000));
}

/**
 * One GET /load (ShardLoadReport): on the shard's public port, which answers it whatever else it
 * keeps private; undefined when the shard does not answer in time, or not with a valid report.
 */
export function pollShardHealth(host: string, port: number, timeoutMs: number): Promise<ShardLoadReport | undefined> {
  return new Promise((resolve) => {
    const req = request({ host, port, path: SHARD_LOAD_PATH, timeout: timeoutMs, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        body += chunk;
      });
      res.on('end', () => resolve(res.statusCode === 200 ? parseShardLoadReport(body) : undefined));
      res.on('error', () => resolve(undefined));
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(undefined));
    req.end();
  });
}
