import type { LoadBalancerConfig } from '@odin-ws/config';
import type { Logger } from '@odin-ws/observability';
import type { ShardLoadReport } from '@odin-ws/protocol';
import CircuitBreaker from 'opossum';
import type { LoadBalancerMetrics } from '../lb-metrics.js';
import { dialShard, HandshakeFailure, type UpstreamConnection } from '../relay/index.js';
import { FailureWindow } from './failure-window.js';
import { healthFrom, type ShardHealth, UNKNOWN_HEALTH } from './shard-health.js';

export type CircuitState = 'closed' | 'half_open' | 'open';
const CIRCUIT_STATES: CircuitState[] = ['closed', 'half_open', 'open'];

/** One shard in the pool: where it is, what its /health said, its circuit breaker and recent failures. */
export interface PooledShard {
  /** As configured: what a changed shard list is compared by. */
  url: string;
  host: string;
  port: number;
  /** Stable label for metrics: the shard id from /health once known, else host:port. */
  id: string;
  /** Set once the shard reported its own id: from then on the id never changes. */
  idFrozen: boolean;
  health: ShardHealth;
  breaker: CircuitBreaker<[Buffer], UpstreamConnection>;
  failures: FailureWindow;
  /** The shard_id its gauges carry now: host:port until the shard first reports its own id. */
  labelledAs: string;
  /**
   * Clients this worker spliced to the shard since its last /health answer, which cannot count them
   * yet. Without them every handshake between two polls saw the same utilization, and a burst (after
   * a recovery, a scale-out, a deploy) herded onto one shard.
   */
  sentSincePoll: number;
}

export function circuitState(shard: PooledShard): CircuitState {
  if (shard.breaker.opened) return 'open';
  if (shard.breaker.halfOpen) return 'half_open';
  return 'closed';
}

/** Health score = wU x (1 - utilization) + wF x (1 - recent failure rate), weights normalised to sum 1. */
export function healthScore(shard: PooledShard, weights: LoadBalancerConfig['scoreWeights']): number {
  const total = weights.utilization + weights.failures;
  return (weights.utilization * (1 - estimatedUtilization(shard)) + weights.failures * (1 - shard.failures.failureRate())) / total;
}

/** Utilization as of the last /health answer plus the clients this worker sent since. */
export function estimatedUtilization(shard: PooledShard): number {
  const { connections, maxConnections, utilization } = shard.health;
  return maxConnections > 0 ? Math.min(1, (connections + shard.sentSincePoll) / maxConnections) : utilization;
}

/**
 * One opossum circuit breaker per shard around the handshake dial. It opens on any of three rules:
 * a refused TCP connection (the shard process is gone), `consecutiveFailures` failed handshakes in
 * a row, or opossum's failure percentage over the failure window. The first two exist because a
 * shard that dies suddenly has a window full of earlier successes, and /health polling stops sending it traffic before the percentage can ever be reached.
 * An open circuit gets no handshakes until, after the reset timeout, it lets one trial through
 * (half-open) and closes on its success. Every state and transition is exported.
 */
export function createPooledShard(url: string, config: LoadBalancerConfig, metrics: LoadBalancerMetrics, logger: Logger): PooledShard {
  const { hostname: host, port: portText } = new URL(url);
  const port = Number(portText);
  const breaker = new CircuitBreaker<[Buffer], UpstreamConnection>((request: Buffer) => dialShard(host, port, request, config.handshakeTimeoutMs), {
    // The dial enforces its own timeout with a coded reason; opossum's would race it.
    timeout: false,
    errorThresholdPercentage: config.breaker.errorThresholdPercentage,
    volumeThreshold: config.breaker.volumeThreshold,
    resetTimeout: config.breaker.resetTimeoutMs,
    rollingCountTimeout: config.failureWindowS * 1000,
    rollingCountBuckets: config.failureWindowS,
    // A full or draining shard answered correctly: that is no reason to open its circuit.
    errorFilter: (error: unknown) => error instanceof HandshakeFailure && (error.reason === 'shard_full' || error.reason === 'draining'),
    // Nothing reads opossum's latency percentiles or snapshots (ws_handshake_duration_seconds has the
    // latencies). With them on, each snapshot (every bucket, per shard, per worker) and each failure
    // concatenates and sorts every latency in the window: at 2,000 handshakes/s, 20,000 numbers, and
    // a failure storm would sort them once per failure.
    rollingPercentilesEnabled: false,
    enableSnapshots: false,
  });
  const id = `${host}:${port}`;
  const shard: PooledShard = {
    url,
    host,
    port,
    id,
    idFrozen: false,
    health: UNKNOWN_HEALTH,
    breaker,
    failures: new FailureWindow(config.failureWindowS),
    labelledAs: id,
    sentSincePoll: 0,
  };
  let state: CircuitState = 'closed';
  const transition = (to: CircuitState) => {
    if (to === state) return;
    metrics.breakerTransitions.inc({ shard_id: shard.id, from: state, to });
    logger.warn({ shardId: shard.id, from: state, to }, 'circuit state changed');
    state = to;
    publishCircuit(shard, metrics);
  };
  breaker.on('open', () => transition('open'));
  breaker.on('halfOpen', () => transition('half_open'));
  breaker.on('close', () => transition('closed'));
  let consecutiveFailures = 0;
  breaker.on('failure', (error: unknown) => {
    metrics.breakerFailures.inc({ shard_id: shard.id });
    consecutiveFailures++;
    // A refused connection means nothing listens: no point in waiting for more evidence. (Once a
    // shard has failed, its lower score keeps it from being tried again, so more may never come.)
    const refused = error instanceof HandshakeFailure && error.reason === 'refused';
    if ((refused || consecutiveFailures >= config.breaker.consecutiveFailures) && breaker.closed) breaker.open();
  });
  breaker.on('success', () => {
    consecutiveFailures = 0;
  });
  return shard;
}

/**
 * Sends one handshake to the shard through its breaker, and is the one place that keeps the
 * shard's books on it: the failure window, and the clients sent since the last /load poll.
 * Rejects with a HandshakeFailure only; a refusal by the breaker itself (reason circuit_open) is
 * not a handshake the shard failed, so it does not count in the window.
 */
export async function dialPooledShard(shard: PooledShard, request: Buffer): Promise<UpstreamConnection> {
  try {
    const upstream = await shard.breaker.fire(request);
    shard.failures.record(false);
    shard.sentSincePoll++;
    return upstream;
  } catch (error) {
    if (!(error instanceof HandshakeFailure))
      throw new HandshakeFailure('circuit_open', 'the circuit breaker refused to try the shard', { shardId: shard.id, cause: String(error) });
    shard.failures.record(true);
    throw error;
  }
}

/** Records a /load answer (or its absence); the shard's own id is taken from its first answer. */
export function applyHealthReport(shard: PooledShard, report: ShardLoadReport | undefined): void {
  if (report && !shard.idFrozen) {
    shard.id = report.shardId;
    shard.idFrozen = true;
  }
  shard.health = healthFrom(report, shard.health);
  // A fresh count includes what this worker sent before it was taken.
  if (report) shard.sentSincePoll = 0;
}

/**
 * Sets every gauge of one shard. A shard that was labelled host:port (its first /health poll failed)
 * and has since reported its own id moves to that label: the old series are removed, so one shard
 * never shows under two labels.
 */
export function publishShardSeries(shard: PooledShard, metrics: LoadBalancerMetrics, weights: LoadBalancerConfig['scoreWeights']): void {
  if (shard.labelledAs !== shard.id) {
    removeShardSeries(metrics, shard.labelledAs);
    shard.labelledAs = shard.id;
  }
  const labels = { shard_id: shard.id };
  metrics.healthScore.set(labels, healthScore(shard, weights));
  metrics.utilization.set(labels, shard.health.utilization);
  metrics.recentFailures.set(labels, shard.failures.failureCount());
  metrics.shardReady.set(labels, shard.health.ready ? 1 : 0);
  publishCircuit(shard, metrics);
}

function publishCircuit(shard: PooledShard, metrics: LoadBalancerMetrics): void {
  const current = circuitState(shard);
  for (const state of CIRCUIT_STATES) metrics.breakerState.set({ shard_id: shard.labelledAs, state }, state === current ? 1 : 0);
}

/** Takes a shard out of the pool for good: its breaker stops and its labelled series disappear. */
export function retirePooledShard(shard: PooledShard, metrics: LoadBalancerMetrics): void {
  shard.breaker.shutdown();
  removeShardSeries(metrics, shard.labelledAs);
}

function removeShardSeries(metrics: LoadBalancerMetrics, shardId: string): void {
  for (const state of CIRCUIT_STATES) metrics.breakerState.remove({ shard_id: shardId, state });
  for (const gauge of [metrics.healthScore, metrics.utilization, metrics.recentFailures, metrics.shardReady]) gauge.remove({ shard_id: shardId });
}
