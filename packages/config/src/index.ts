export type { FeedConfig, HistoryLimits, KafkaConfig, LoadBalancerConfig, LocalConfig, OptionValues, ShardConfig } from './configs.js';
export { feedConfigFrom, loadBalancerConfigFrom, localConfigFrom, shardConfigFrom } from './configs.js';
export type { LogLevel } from './log-levels.js';
export { LOG_LEVELS } from './log-levels.js';
export { renderConfigurationMarkdown } from './markdown.js';
export type { Mode, OptionSpec } from './options.js';
export { formatOptionDefault, MODES, OPTION_SPECS } from './options.js';
export { backendUrls as backendUrlsParser } from './parsers.js';
