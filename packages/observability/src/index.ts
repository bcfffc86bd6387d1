export type { Logger } from './logger.js';
export { createLogger } from './logger.js';
export { createMetricsRegistry } from './metrics.js';
export type { MetricsSection } from './metrics-reference.js';
export { renderMetricsReference } from './metrics-reference.js';
