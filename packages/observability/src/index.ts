export { createLogger } from './logger.js';
export type { Logger } from './logger.js';
export { createMetricsRegistry } from './metrics.js';
export { renderMetricsReference } from './metrics-reference.js';
export type { MetricsSection } from './metrics-reference.js';
