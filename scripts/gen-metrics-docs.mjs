// Writes docs/metrics.md from the metric definitions of both tiers (run after `pnpm build`).
import { writeFileSync } from 'node:fs';
import { renderMetricsDocs } from '../apps/cli/dist/metrics-reference.js';

writeFileSync(new URL('../docs/metrics.md', import.meta.url), renderMetricsDocs());
console.log('wrote docs/metrics.md');
