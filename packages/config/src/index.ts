export { LOG_LEVELS } from './log-levels.js';
export type { LogLevel } from './log-levels.js';
export { MODES, OPTION_SPECS, formatOptionDefault } from './options.js';
export type { Mode, OptionSpec } from './options.js';
export { feedConfigFrom, loadBalancerConfigFrom, localConfigFrom, shardConfigFrom } from './configs.js';
export type { FeedConfig, HistoryLimits, KafkaConfig, LoadBalancerConfig, LocalConfig, OptionValues, ShardConfig } from './configs.js';
export { renderConfigurationMarkdown } from './markdown.js';
export { backendUrls as backendUrlsParser } from './parsers.js';
