import { defaultOptionValues, loadBalancerConfigFrom } from '@odin-ws/config';
import { createLogger } from '@odin-ws/observability';
import type { ShardHealthReport } from '@odin-ws/protocol';
import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { createLoadBalancerMetrics } from '../lb-metrics.js';
import { applyHealthReport, createPooledShard, publishShardSeries, retirePooledShard } from './pooled-shard.js';

const config = loadBalancerConfigFrom({ ...defaultOptionValues(), handshakeTimeout: 1000 });
const report: ShardHealthReport = {
  shardId: 'shard-7',
  pid: 1,
  status: 'ok',
  connections: 25,
  maxConnections: 100,
  utilization: 0.25,
  subscriptions: 0,
  channels: 0,
  kafka: { state: 'consuming', consuming: true },
  draining: false,
  uptimeS: 1,
};

describe('a pooled shard', () => {
  it('moves its series from host:port to the shard id once the shard reports it, and loses them when retired', async () => {
    const registry = new Registry();
    const metrics = createLoadBalancerMetrics(registry, () => ({ proxied: 0, queueDepth: 0 }));
    const shard = createPooledShard('ws://127.0.0.1:3002/ws', config, metrics, createLogger({ level: 'silent', base: {} }));
    publishShardSeries(shard, metrics, config.scoreWeights);
    expect(await registry.metrics()).toContain('shard_id="127.0.0.1:3002"');
    applyHealthReport(shard, report);
    publishShardSeries(shard, metrics, config.scoreWeights);
    const text = await registry.metrics();
    expect(text).toContain('ws_circuit_breaker_state{shard_id="shard-7",state="closed"} 1');
    expect(text).toContain('ws_shard_utilization{shard_id="shard-7"} 0.25');
    expect(text).not.toContain('shard_id="127.0.0.1:3002"');
    retirePooledShard(shard, metrics);
    expect(await registry.metrics()).not.toMatch(/ws_(shard_ready|circuit_breaker_state)\{shard_id="shard-7"/);
  });

  it('keeps the first id it was told, and what it knew but not ready when a poll gets no answer', () => {
    const metrics = createLoadBalancerMetrics(new Registry(), () => ({ proxied: 0, queueDepth: 0 }));
    const shard = createPooledShard('ws://127.0.0.1:3002/ws', config, metrics, createLogger({ level: 'silent', base: {} }));
    expect(shard.health).toMatchObject({ ready: false, utilization: 1 });
    applyHealthReport(shard, report);
    expect(shard.health).toEqual({ ready: true, draining: false, connections: 25, maxConnections: 100, utilization: 0.25 });
    applyHealthReport(shard, { ...report, shardId: 'impostor', status: 'draining', draining: true });
    expect(shard.id).toBe('shard-7');
    expect(shard.health).toMatchObject({ ready: false, draining: true });
    applyHealthReport(shard, undefined);
    expect(shard.health).toMatchObject({ ready: false, draining: true, connections: 25 });
    retirePooledShard(shard, metrics);
  });

  it('keeps no latency percentiles, which opossum would sort on every failure and every snapshot', async () => {
    const metrics = createLoadBalancerMetrics(new Registry(), () => ({ proxied: 0, queueDepth: 0 }));
    const shard = createPooledShard('ws://127.0.0.1:1/ws', config, metrics, createLogger({ level: 'silent', base: {} }));
    const snapshots: unknown[] = [];
    shard.breaker.status.on('snapshot', (snapshot) => snapshots.push(snapshot));
    await expect(shard.breaker.fire(Buffer.from('GET /ws HTTP/1.1\r\n\r\n'))).rejects.toMatchObject({ reason: 'refused' });
    expect(shard.breaker.stats).toMatchObject({ failures: 1, latencyMean: -1 });
    await new Promise((resolve) => setTimeout(resolve, 1100));
    expect(snapshots).toEqual([]);
    retirePooledShard(shard, metrics);
  });
});
