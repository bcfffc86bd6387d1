export { createLogger } from './logger.js';
export type { Logger } from './logger.js';
export { createMetricsRegistry } from './metrics.js';
