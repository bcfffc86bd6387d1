import { isCount, isPlainObject, parseJsonObject } from './json-guards.js';

/**
 * A shard's `/health` answer: what the shard serves and the load balancer polls to score it. One
 * type and one reader for both tiers, so a renamed field breaks the build instead of the fleet.
 */
export const SHARD_STATUSES = ['ok', 'warming', 'degraded', 'draining'] as const;
/**
 * `ok`: consuming Kafka and taking clients; `warming`: filling its history after start, not yet for
 * new clients; `degraded`: not consuming Kafka; `draining`: going away.
 */
export type ShardStatus = (typeof SHARD_STATUSES)[number];

export interface ShardHealthReport {
  shardId: string;
  pid: number;
  status: ShardStatus;
  connections: number;
  maxConnections: number;
  /** connections / maxConnections. */
  utilization: number;
  subscriptions: number;
  channels: number;
  kafka: { state: string; consuming: boolean };
  draining: boolean;
  uptimeS: number;
}

/**
 * Reads a `/health` body; undefined when it is not a complete, well-typed report (another
 * service on the port, a truncated answer), which the load balancer treats as "not ready".
 */
export function parseShardHealthReport(body: string): ShardHealthReport | undefined {
  const report = parseJsonObject(body);
  if (!report) return undefined;
  const kafka = report['kafka'];
  const valid =
    typeof report['shardId'] === 'string' &&
    report['shardId'] !== '' &&
    isCount(report['pid']) &&
    (SHARD_STATUSES as readonly unknown[]).includes(report['status']) &&
    isCount(report['connections']) &&
    isCount(report['maxConnections']) &&
    isFiniteNonNegative(report['utilization']) &&
    isCount(report['subscriptions']) &&
    isCount(report['channels']) &&
    isPlainObject(kafka) &&
    typeof kafka['state'] === 'string' &&
    typeof kafka['consuming'] === 'boolean' &&
    typeof report['draining'] === 'boolean' &&
    isCount(report['uptimeS']);
  return valid ? (report as unknown as ShardHealthReport) : undefined;
}

/**
 * What the load balancer needs of a shard to route to it, and all that a shard's public port tells
 * about it: `GET /load`. The detailed `/health` (pid, Kafka state, counts) and `/metrics` are on the
 * private ops surface by default, so the load balancer reads this instead; it works wherever the
 * shard's public port does, also for several shards on one host.
 */
export type ShardLoadReport = Pick<ShardHealthReport, 'shardId' | 'status' | 'draining' | 'connections' | 'maxConnections'>;

export const SHARD_LOAD_PATH = '/load';

export function shardLoadReportOf(report: ShardHealthReport): ShardLoadReport {
  const { shardId, status, draining, connections, maxConnections } = report;
  return { shardId, status, draining, connections, maxConnections };
}

/** Reads a `/load` body (a full `/health` report, a superset, reads too); undefined when it is not one. */
export function parseShardLoadReport(body: string): ShardLoadReport | undefined {
  const report = parseJsonObject(body);
  if (!report) return undefined;
  const valid =
    typeof report['shardId'] === 'string' &&
    report['shardId'] !== '' &&
    (SHARD_STATUSES as readonly unknown[]).includes(report['status']) &&
    typeof report['draining'] === 'boolean' &&
    isCount(report['connections']) &&
    isCount(report['maxConnections']);
  return valid ? shardLoadReportOf(report as unknown as ShardHealthReport) : undefined;
}

function isFiniteNonNegative(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value) && value >= 0;
}
