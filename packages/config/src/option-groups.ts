import type { OptionKey, OptionSpec } from './options.js';

/**
 * How the flags are grouped in `--help`, `odin-ws config example` and docs/configuration.md: by
 * what an operator is tuning. Presentation only; what a flag does stays in its spec.
 */
const GROUPS = {
  General: ['logLevel', 'config'],
  Listening: ['host', 'port', 'shardId', 'heartbeatInterval', 'drainTimeout'],
  Kafka: ['kafkaBrokers', 'kafkaClientId', 'kafkaMetadataRefresh', 'topics', 'channelMap', 'maxRecordSize'],
  'Kafka security': [
    'kafkaSsl',
    'kafkaSslCaFile',
    'kafkaSslCertFile',
    'kafkaSslKeyFile',
    'kafkaSslVerifyHostname',
    'kafkaSaslMechanism',
    'kafkaSaslUsername',
    'kafkaSaslPasswordFile',
    'kafkaAllowPlaintextSasl',
  ],
  'Client limits': ['maxConnections', 'maxSubscriptions', 'maxMessageSize', 'backpressureLimit', 'clientRateLimit', 'maxConnectionsPerUser'],
  'Delivery forms': ['deliveryForms', 'formMaxRecordSize', 'permessageDeflate'],
  'History, state and books': [
    'historySize',
    'historyMaxAge',
    'historyMaxBytes',
    'maxReplayBytes',
    'stateChannels',
    'stateMaxBytes',
    'stateLookback',
    'bookLookback',
    'bookMaxLevels',
  ],
  Authentication: [
    'authSecretFile',
    'authPublicKeyFile',
    'authJwksFile',
    'authJwksUrl',
    'authAudience',
    'authIssuer',
    'authChannelsClaim',
    'authDefaultChannels',
    'authMaxTokenLifetime',
    'authClockTolerance',
    'authRefreshWindow',
    'authAllowNoSubject',
    'authFailuresPerIp',
    'authQueryToken',
    'allowedOrigins',
  ],
  Ops: ['adminPort', 'adminHost', 'opsOnPublicPort'],
  'Load balancer': ['lbPort', 'backendUrls', 'backendUrlsFile', 'shardHealthPort', 'lbWorkers', 'lbWorkerHeap', 'healthInterval'],
  'Shard selection and circuit breakers': [
    'handshakeTimeout',
    'retryPause',
    'breakerFailures',
    'breakerErrorThreshold',
    'breakerVolumeThreshold',
    'breakerResetTimeout',
    'failureWindow',
    'scoreWeights',
  ],
  Admission: ['admissionRate', 'admissionIpRate', 'admissionQueue', 'admissionMaxWait', 'maxConnectionsPerIp', 'stalledClientTimeout', 'trustedProxies'],
  'Local fleet and demo feed': ['webPort', 'shards', 'symbols', 'rate', 'duration'],
} as const satisfies Record<string, readonly OptionKey[]>;

export type OptionGroup = keyof typeof GROUPS;
export const OPTION_GROUPS = Object.keys(GROUPS) as OptionGroup[];

const GROUP_OF = new Map<string, OptionGroup>(OPTION_GROUPS.flatMap((group) => GROUPS[group].map((key) => [key, group] as const)));

/** The group a flag is shown in; every flag has one (option-groups.test.ts). */
export function groupOf(key: OptionKey): OptionGroup {
  const group = GROUP_OF.get(key);
  if (group === undefined) throw new Error(`option ${key} is in no help group (packages/config/src/option-groups.ts)`);
  return group;
}

/**
 * The one line `--help` shows for a flag: its spec's `summary`, else its description up to the
 * first clause break. The whole description is in docs/configuration.md.
 */
export function helpSummary(spec: Pick<OptionSpec, 'description' | 'summary'>): string {
  return spec.summary ?? spec.description.split(/[:;]\s|\s\(|\.\s/)[0]!;
}
