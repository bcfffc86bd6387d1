import type { LoadBalancerConfig } from '@odin-ws/config';
import { circuitState, estimatedUtilization, healthScore, type PooledShard } from './pooled-shard.js';

/**
 * Recent failure rates closer than this count as equal when two shards are compared for a
 * handshake: a shard whose window holds a failure or two more is as good a choice, and the
 * breakers deal with one that really fails. Measured: without it, the one whose window was a
 * little cleaner took 33 of 40 handshakes after a recovery.
 */
const FAILURE_RATE_TIE = 0.1;

/**
 * The order in which shards are tried for one handshake; a shard with an open circuit is never in it.
 *
 * 1. Half-open circuits whose shard says it is ready again: due for their trial. opossum lets one
 *    trial through at a time (others are refused at once and the next shard is tried), and only
 *    a trial can close the circuit, so in a healthy fleet a recovered shard would otherwise wait
 *    forever behind the closed ones.
 * 2. Ready shards with a closed circuit: the first is the better of two picked at random ("two
 *    random choices"), so a burst spreads instead of landing on the single best-scored shard:
 *    the one with the clearly lower failure rate, else the less loaded (utilization counting the
 *    clients this worker sent since the last /health), else either; the rest follow by score.
 * 3. Half-open circuits of shards not (yet) ready, then closed circuits of shards whose /health
 *    failed or is stale but not draining: last resorts before giving up.
 */
export function orderShards(shards: PooledShard[], weights: LoadBalancerConfig['scoreWeights'], random: () => number = Math.random): PooledShard[] {
  // One pass: each shard's circuit state and score are read once (a score sums the failure window).
  const trials: PooledShard[] = [];
  const closed: Scored[] = [];
  const halfOpenNotReady: PooledShard[] = [];
  const stale: Scored[] = [];
  for (const shard of shards) {
    const state = circuitState(shard);
    if (state === 'open') continue;
    const { ready, draining } = shard.health;
    if (state === 'half_open') (ready ? trials : halfOpenNotReady).push(shard);
    else if (ready) closed.push({ shard, score: healthScore(shard, weights) });
    else if (!draining) stale.push({ shard, score: healthScore(shard, weights) });
  }
  closed.sort(byScore);
  stale.sort(byScore);
  if (closed.length >= 2) {
    const a = Math.floor(random() * closed.length);
    let b = Math.floor(random() * (closed.length - 1));
    if (b >= a) b++;
    const first = better(closed[a]!.shard, closed[b]!.shard, random) === closed[a]!.shard ? a : b;
    closed.unshift(...closed.splice(first, 1));
  }
  return [...trials, ...closed.map(({ shard }) => shard), ...halfOpenNotReady, ...stale.map(({ shard }) => shard)];
}

/** The better of two ready shards for the next handshake (see orderShards, 2). */
function better(x: PooledShard, y: PooledShard, random: () => number): PooledShard {
  const failureGap = x.failures.failureRate() - y.failures.failureRate();
  if (Math.abs(failureGap) > FAILURE_RATE_TIE) return failureGap < 0 ? x : y;
  const loadGap = estimatedUtilization(x) - estimatedUtilization(y);
  if (loadGap !== 0) return loadGap < 0 ? x : y;
  return random() < 0.5 ? x : y;
}

interface Scored {
  shard: PooledShard;
  score: number;
}

const byScore = (a: Scored, b: Scored) => b.score - a.score;
