import { Counter } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { createMetricsRegistry } from './metrics.js';

describe('createMetricsRegistry', () => {
  it('gives each instance its own registry with default labels and process metrics', async () => {
    const a = createMetricsRegistry({ shard_id: 'a' });
    const b = createMetricsRegistry({ shard_id: 'b' });
    new Counter({ name: 'ws_test_total', help: 'test', registers: [a] }).inc();
    new Counter({ name: 'ws_test_total', help: 'test', registers: [b] }).inc(2);
    const text = await a.metrics();
    expect(text).toContain('ws_test_total{shard_id="a"} 1');
    expect(text).toContain('process_cpu_seconds_total');
    expect(await b.metrics()).toContain('ws_test_total{shard_id="b"} 2');
  });
});
