import { describe, expect, it } from 'vitest';
import { barChartSvg } from './chart.js';

describe('barChartSvg', () => {
  it('draws one bar per figure per row, scaled to the largest value, with escaped labels', () => {
    const svg = barChartSvg(
      'fanout <1000>',
      [
        { label: 'direct', values: { p50Ms: 10, p99Ms: 40 } },
        { label: 'lb', values: { p50Ms: 20, p99Ms: 80 } },
      ],
      'ms',
    );
    expect(svg.startsWith('<svg')).toBe(true);
    expect(svg).toContain('fanout &lt;1000&gt;');
    expect(svg.match(/<rect x="170" y="\d+" width="[\d.]+" height="12"/g)).toHaveLength(4);
    expect(svg).toContain('80 ms');
  });
});
