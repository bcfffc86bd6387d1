import CircuitBreaker from 'opossum';
import { describe, expect, it } from 'vitest';
import { FailureWindow } from './failure-window.js';
import { applyHealthReport, type PooledShard } from './pooled-shard.js';
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
    sentSincePoll: 0,
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
    const shards = [
      shard('full', { connections: 95, utilization: 0.95 }),
      shard('b', { connections: 10, utilization: 0.1 }),
      shard('c', { connections: 20, utilization: 0.2 }),
    ];
    let fullFirst = 0;
    for (let i = 0; i < 3000; i++) if (orderShards(shards, weights)[0]!.id === 'full') fullFirst++;
    expect(fullFirst).toBe(0); // the full shard loses every pairing it is in
  });

  it('counts recent failures in the score', () => {
    const flaky = shard('flaky');
    for (let i = 0; i < 10; i++) flaky.failures.record(true);
    const order = orderShards([flaky, shard('steady', { connections: 30, utilization: 0.3 })], weights, () => 0);
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

  it('spreads a burst between polls evenly, also onto a shard whose failure window is a little worse', () => {
    // After a recovery: both shards report the same load, one had a failure or two lately.
    const clean = shard('clean', { connections: 10, maxConnections: 15_000 });
    const scuffed = shard('scuffed', { connections: 10, maxConnections: 15_000 });
    for (let i = 0; i < 40; i++) clean.failures.record(false);
    for (let i = 0; i < 38; i++) scuffed.failures.record(false);
    scuffed.failures.record(true);
    scuffed.failures.record(true);
    const sent = { clean: 0, scuffed: 0 };
    // 200 handshakes before the next /health: each one the router splices counts for its shard.
    for (let i = 0; i < 200; i++) {
      const chosen = orderShards([clean, scuffed], weights)[0]!;
      chosen.sentSincePoll++;
      sent[chosen.id as keyof typeof sent]++;
    }
    expect(sent.clean).toBeGreaterThanOrEqual(80);
    expect(sent.scuffed).toBeGreaterThanOrEqual(80);
  });

  it('still keeps handshakes off a shard that clearly fails, whatever its load', () => {
    const failing = shard('failing', { connections: 0, maxConnections: 15_000 });
    for (let i = 0; i < 10; i++) failing.failures.record(i % 2 === 0);
    const busy = shard('busy', { connections: 9_000, maxConnections: 15_000 });
    for (let i = 0; i < 10; i++) expect(orderShards([failing, busy], weights)[0]!.id).toBe('busy');
  });

  it('forgets what it sent once the shard reports a count that includes it', () => {
    const counted = shard('counted', { connections: 50, maxConnections: 100 });
    counted.sentSincePoll = 30;
    applyHealthReport(counted, { shardId: 'counted', status: 'ok', draining: false, connections: 80, maxConnections: 100 });
    expect(counted.sentSincePoll).toBe(0);
    expect(counted.health.connections).toBe(80);
  });
});
