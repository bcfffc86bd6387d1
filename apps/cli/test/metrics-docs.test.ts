import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { renderMetricsDocs } from '../src/metrics-reference.js';

describe('docs/metrics.md', () => {
  it('is exactly what the metric definitions render (run `pnpm docs:metrics` after changing a metric)', () => {
    expect(readFileSync(new URL('../../../docs/metrics.md', import.meta.url), 'utf8')).toBe(renderMetricsDocs());
  });
});
