import CircuitBreaker from 'opossum';
import { describe, expect, it } from 'vitest';
import { FailureWindow } from './failure-window.js';
import type { PooledShard } from './pooled-shard.js';
import type { ShardHealth } from './shard-health.js';
import { orderShards } from './shard-selector.js';

const weights = { utilization: 0.6, failures: 0.4 };

function shard(id: string, health: Partial<ShardHealth> = {}, circuit: 'closed' | 'open' | 'half_open' = 'closed'): PooledShard {
  const breaker = new CircuitBreaker<[Buffer], never>(async () => Promise.reject(new Error('never dialled in these tests')), { resetTimeout: 60_000 });
  if (circuit === 'open') breaker.open();
  if (circuit === 'half_open') Object.defineProperty(breaker, 'halfOpen', { get: () => true });
  return {
    url: `ws://127.0.0.1:1/${id}`,
    host: '127.0.0.1',
    port: 1,
    id,
    idFrozen: true,
    health: { ready: true, draining: false, connections: 0, maxConnections: 100, utilization: 0, ...health },
    breaker,
    failures: new FailureWindow(10),
    labelledAs: id,
  };
}

describe('orderShards', () => {
  it('spreads ties evenly instead of always picking the first shard', () => {
    const shards = [shard('a'), shard('b'), shard('c')];
    const firsts = new Map<string, number>();
    for (let i = 0; i < 3000; i++) {
      const id = orderShards(shards, weights)[0]!.id;
      firsts.set(id, (firsts.get(id) ?? 0) + 1);
    }
    for (const id of ['a', 'b', 'c']) expect(firsts.get(id)).toBeGreaterThan(800);
  });

  it('prefers the better of two: a nearly full shard is rarely first', () => {
    const shards = [shard('full', { utilization: 0.95 }), shard('b', { utilization: 0.1 }), shard('c', { utilization: 0.2 })];
    let fullFirst = 0;
    for (let i = 0; i < 3000; i++) if (orderShards(shards, weights)[0]!.id === 'full') fullFirst++;
    expect(fullFirst).toBe(0); // the full shard loses every pairing it is in
  });

  it('counts recent failures in the score', () => {
    const flaky = shard('flaky');
    for (let i = 0; i < 10; i++) flaky.failures.record(true);
    const order = orderShards([flaky, shard('steady', { utilization: 0.3 })], weights, () => 0);
    expect(order.map((s) => s.id)).toEqual(['steady', 'flaky']);
  });

  it('never offers an open circuit or a draining shard; gives a ready half-open shard its trial first', () => {
    const order = orderShards(
      [shard('open', {}, 'open'), shard('half', {}, 'half_open'), shard('draining', { ready: false, draining: true }), shard('ok')],
      weights,
    );
    expect(order.map((s) => s.id)).toEqual(['half', 'ok']);
  });

  it('tries a half-open shard that is not ready only after the closed ones', () => {
    const order = orderShards([shard('half', { ready: false }, 'half_open'), shard('ok')], weights);
    expect(order.map((s) => s.id)).toEqual(['ok', 'half']);
  });

  it('keeps a shard with a stale /health as a last resort', () => {
    const order = orderShards([shard('stale', { ready: false }), shard('ok')], weights);
    expect(order.map((s) => s.id)).toEqual(['ok', 'stale']);
  });
});
