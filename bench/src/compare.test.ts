import { describe, expect, it } from 'vitest';
import { compareInterleaved } from './scenarios/compare.js';
import { runFanout } from './scenarios/fanout.js';

describe('compareInterleaved', () => {
  it('interleaves the configurations and reports medians and the ratio of every pair', async () => {
    const order: string[] = [];
    const side = (label: string, values: number[]) => {
      let call = 0;
      return {
        label,
        run: async () => {
          order.push(label);
          return { p99Ms: values[call++]! };
        },
      };
    };
    const { summary, rows } = await compareInterleaved(3, [side('direct', [10, 30, 20]), side('haproxy', [25, 35, 30]), side('lb', [40, 60, 50])], ['p99Ms']);
    expect(order).toEqual(['direct', 'haproxy', 'lb', 'direct', 'haproxy', 'lb', 'direct', 'haproxy', 'lb']);
    expect(rows).toHaveLength(9);
    expect(summary).toEqual({
      runs: 3,
      direct: { p99Ms: 20 },
      haproxy: { p99Ms: 30 },
      lb: { p99Ms: 50 },
      ratio_haproxy_to_direct: { p99Ms: 1.5 },
      ratio_lb_to_direct: { p99Ms: 2.5 },
      ratio_lb_to_haproxy: { p99Ms: 1.667 },
    });
  });

  it('compares fanout through the LB and direct on real processes (smoke)', async () => {
    const side = (direct: boolean) => ({
      label: direct ? 'direct' : 'lb',
      run: () =>
        runFanout({ connections: 30, messages: 2, intervalMs: 50, shards: 1, direct, lbWorkers: 1, progress: () => undefined }) as Promise<unknown> as Promise<
          Record<string, unknown>
        >,
    });
    const { summary } = await compareInterleaved(1, [side(true), side(false)], ['deliveryRate', 'p99Ms']);
    expect(summary).toMatchObject({ direct: { deliveryRate: 1 }, lb: { deliveryRate: 1 }, ratio_lb_to_direct: { deliveryRate: 1 } });
  }, 90_000);

  it.each(['haproxy', 'node-relay'] as const)(
    'runs fanout through the %s reference proxy (smoke)',
    async (referenceProxy) => {
      const result = await runFanout({
        connections: 30,
        messages: 2,
        intervalMs: 50,
        shards: 2,
        direct: false,
        referenceProxy,
        lbWorkers: 2,
        progress: () => undefined,
      });
      expect(result).toMatchObject({ path: referenceProxy, lbWorkers: 0, deliveryRate: 1 });
    },
    90_000,
  );
});
