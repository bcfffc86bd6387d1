export type { ConfigFile } from './config-file.js';
export { fileKeyOf, readConfigFile } from './config-file.js';
export { redactUrls, renderEffectiveConfig, renderExampleConfig } from './config-text.js';
export type {
  AccessConfig,
  AuthConfig,
  FeedConfig,
  HistoryLimits,
  KafkaConfig,
  KafkaSaslConfig,
  KafkaTlsConfig,
  LoadBalancerConfig,
  LocalConfig,
  ShardConfig,
  StateChannels,
} from './configs.js';
export { ADMIN_PORT_OFFSET, feedConfigFrom, kafkaConfigFrom, loadBalancerConfigFrom, localConfigFrom, shardConfigFrom } from './configs.js';
export type { EffectiveOptions, OptionSource } from './effective-options.js';
export { describeSource, withConfigFile } from './effective-options.js';
export type { LogLevel } from './log-levels.js';
export { LOG_LEVELS } from './log-levels.js';
export { renderConfigurationMarkdown } from './markdown.js';
export type { OptionGroup } from './option-groups.js';
export { groupOf, helpSummary, OPTION_GROUPS } from './option-groups.js';
export type { Mode, OptionKey, OptionSpec, OptionValues } from './options.js';
export { defaultOptionValues, flagTextOf, formatOptionDefault, MODES, OPTION_SPECS, optionValuesFromEnvironment } from './options.js';
export type { DeliveryFormName, PermessageDeflateMode } from './options-shard.js';
export { DELIVERY_FORMS } from './options-shard.js';
export { shardUrls as shardUrlsParser } from './parsers.js';
export { readSecretFile, readSettingFile } from './setting-file.js';
