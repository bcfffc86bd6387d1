import { loadBalancerConfigFrom } from '@odin-ws/config';
import { createLogger } from '@odin-ws/observability';
import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { parseBackendUrls } from './backends.js';
import { createLoadBalancerMetrics } from './lb-metrics.js';
import { createPooledShard, publishShardSeries, retirePooledShard } from './shard-pool.js';

const config = loadBalancerConfigFrom({
  scoreWeights: [0.6, 0.4],
  breakerFailures: 3,
  breakerErrorThreshold: 50,
  breakerVolumeThreshold: 3,
  breakerResetTimeout: 5000,
  failureWindow: 10,
  handshakeTimeout: 1000,
  backendUrls: [],
  admissionRate: 1,
  admissionIpRate: 1,
  admissionQueue: 1,
  admissionMaxWait: 1,
});

describe('shard series', () => {
  it('move from host:port to the shard id once the shard reports it, and disappear when it is retired', async () => {
    const registry = new Registry();
    const metrics = createLoadBalancerMetrics(registry, () => ({ proxied: 0, queueDepth: 0 }));
    const [backend] = parseBackendUrls(['ws://127.0.0.1:3002/ws']);
    const shard = createPooledShard(backend!, config, metrics, createLogger({ level: 'silent', base: {} }));
    publishShardSeries(shard, metrics, config.scoreWeights);
    expect(await registry.metrics()).toContain('shard_id="127.0.0.1:3002"');
    backend!.id = 'shard-7'; // what a later /health answer does
    publishShardSeries(shard, metrics, config.scoreWeights);
    const text = await registry.metrics();
    expect(text).toContain('ws_circuit_breaker_state{shard_id="shard-7",state="closed"} 1');
    expect(text).not.toContain('shard_id="127.0.0.1:3002"');
    retirePooledShard(shard, metrics);
    expect(await registry.metrics()).not.toMatch(/ws_(shard_ready|circuit_breaker_state)\{shard_id="shard-7"/);
  });
});
