import type { LoadBalancerConfig } from '@odin-ws/config';
import { circuitState, healthScore, type PooledShard } from './shard-pool.js';

/** Scores closer than this count as equal. */
const SCORE_TIE = 0.001;

/**
 * The order in which shards are tried for one handshake. Eligible: ready (its /health said ok,
 * so not draining and consuming Kafka) and circuit not open. Closed circuits come before
 * half-open ones (a half-open circuit takes one trial at a time). Within the closed ones, the
 * first is the better of two picked at random ("two random choices"), so a burst of handshakes
 * spreads instead of all landing on the single best-scored shard; the rest follow by score.
 * Not-ready shards with a closed circuit come last: /health may simply be stale.
 */
export function orderShards(shards: PooledShard[], weights: LoadBalancerConfig['scoreWeights'], random: () => number = Math.random): PooledShard[] {
  const byScore = (a: PooledShard, b: PooledShard) => healthScore(b, weights) - healthScore(a, weights);
  const closed = shards.filter((shard) => shard.backend.health.ready && circuitState(shard) === 'closed').sort(byScore);
  const halfOpen = shards.filter((shard) => circuitState(shard) === 'half_open').sort(byScore);
  const stale = shards.filter((shard) => !shard.backend.health.ready && !shard.backend.health.draining && circuitState(shard) === 'closed').sort(byScore);
  if (closed.length >= 2) {
    const a = Math.floor(random() * closed.length);
    let b = Math.floor(random() * (closed.length - 1));
    if (b >= a) b++;
    const scoreA = healthScore(closed[a]!, weights);
    const scoreB = healthScore(closed[b]!, weights);
    // Scores only change when /health is polled, so equal scores are common: break ties at random.
    const first = Math.abs(scoreA - scoreB) < SCORE_TIE ? (random() < 0.5 ? a : b) : scoreA > scoreB ? a : b;
    closed.unshift(...closed.splice(first, 1));
  }
  return [...closed, ...halfOpen, ...stale];
}
