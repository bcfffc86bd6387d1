import type { LogLevel } from './log-levels.js';

/** Typed configuration of each mode, built from the parsed option values. */
export interface KafkaConfig {
  brokers: string[];
  clientId: string;
}

export interface ShardConfig {
  shardId: string;
  host: string;
  port: number;
  logLevel: LogLevel;
  kafka: KafkaConfig;
  topics: string[];
  /** topic -> event part of the channel name. */
  channelMap: Record<string, string>;
  maxConnections: number;
  maxSubscriptions: number;
  maxMessageSize: number;
  maxRecordSize: number;
  backpressureLimit: number;
  clientRateLimit: number;
  heartbeatIntervalS: number;
  drainTimeoutS: number;
  history: HistoryLimits;
}

/** Bounds of the per-channel history that lets clients resume (see docs/protocol.md, "Recovery"). */
export interface HistoryLimits {
  /** Records kept per channel; 0 turns history and recovery off. */
  maxPerChannel: number;
  maxAgeMs: number;
  maxBytes: number;
  /** What one subscribe request may replay. */
  maxReplayBytes: number;
}

export interface FeedConfig {
  logLevel: LogLevel;
  kafka: KafkaConfig;
  topics: string[];
  symbols: string[];
  rate: number;
  durationS: number;
}

export interface LoadBalancerConfig {
  host: string;
  port: number;
  logLevel: LogLevel;
  backendUrls: string[];
  /** When set, the shard list is read from this file and re-read while running (replaces backendUrls). */
  backendUrlsFile: string | undefined;
  workers: number;
  healthIntervalMs: number;
  handshakeTimeoutMs: number;
  retryPauseMs: number;
  breaker: { consecutiveFailures: number; errorThresholdPercentage: number; volumeThreshold: number; resetTimeoutMs: number };
  failureWindowS: number;
  scoreWeights: { utilization: number; failures: number };
  admission: { ratePerSecond: number; ipRatePerSecond: number; queueDepth: number; maxWaitMs: number };
  /** Proxies whose X-Forwarded-For is believed for per-IP admission. */
  trustedProxies: string[];
  drainTimeoutS: number;
}

export interface LocalConfig {
  shards: number;
  /** First shard port; shard i listens on basePort + i. */
  basePort: number;
  /** True when no broker was configured and local mode starts its own (scripts/kafka.sh). */
  startKafka: boolean;
  shard: Omit<ShardConfig, 'shardId' | 'port'>;
  feed: FeedConfig;
  /** The load balancer in front, its backendUrls being the local shards. */
  loadBalancer: LoadBalancerConfig;
  /** Port of the live ticker page. */
  webPort: number;
}

/** Option values as the CLI parsed them, keyed by OptionSpec.key. */
export type OptionValues = Record<string, unknown>;

export function shardConfigFrom(values: OptionValues): ShardConfig {
  const port = values['port'] as number;
  const shardId = (values['shardId'] as string) || `shard-${port}`;
  return { ...shardSettings(values), shardId, port };
}

export function feedConfigFrom(values: OptionValues): FeedConfig {
  return {
    logLevel: values['logLevel'] as LogLevel,
    kafka: kafkaConfigFrom(values),
    topics: values['topics'] as string[],
    symbols: values['symbols'] as string[],
    rate: values['rate'] as number,
    durationS: values['duration'] as number,
  };
}

export function localConfigFrom(values: OptionValues, kafkaBrokersGiven: boolean): LocalConfig {
  const shards = values['shards'] as number;
  const basePort = values['port'] as number;
  const backendUrls = Array.from({ length: shards }, (_, i) => `ws://127.0.0.1:${basePort + i}/ws`);
  return {
    shards,
    basePort,
    startKafka: !kafkaBrokersGiven,
    shard: shardSettings(values),
    feed: feedConfigFrom(values),
    loadBalancer: loadBalancerConfigFrom({ ...values, backendUrls }),
    webPort: values['webPort'] as number,
  };
}

export function loadBalancerConfigFrom(values: OptionValues): LoadBalancerConfig {
  const [utilization, failures] = values['scoreWeights'] as number[];
  return {
    host: values['host'] as string,
    port: values['lbPort'] as number,
    logLevel: values['logLevel'] as LogLevel,
    backendUrls: values['backendUrls'] as string[],
    backendUrlsFile: (values['backendUrlsFile'] as string | undefined) || undefined,
    workers: values['lbWorkers'] as number,
    healthIntervalMs: values['healthInterval'] as number,
    handshakeTimeoutMs: values['handshakeTimeout'] as number,
    retryPauseMs: values['retryPause'] as number,
    breaker: {
      consecutiveFailures: values['breakerFailures'] as number,
      errorThresholdPercentage: values['breakerErrorThreshold'] as number,
      volumeThreshold: values['breakerVolumeThreshold'] as number,
      resetTimeoutMs: values['breakerResetTimeout'] as number,
    },
    failureWindowS: values['failureWindow'] as number,
    scoreWeights: { utilization: utilization!, failures: failures! },
    admission: {
      ratePerSecond: values['admissionRate'] as number,
      ipRatePerSecond: values['admissionIpRate'] as number,
      queueDepth: values['admissionQueue'] as number,
      maxWaitMs: values['admissionMaxWait'] as number,
    },
    trustedProxies: (values['trustedProxies'] as string[] | undefined) ?? [],
    drainTimeoutS: values['drainTimeout'] as number,
  };
}

function shardSettings(values: OptionValues): Omit<ShardConfig, 'shardId' | 'port'> {
  return {
    host: values['host'] as string,
    logLevel: values['logLevel'] as LogLevel,
    kafka: kafkaConfigFrom(values),
    topics: values['topics'] as string[],
    channelMap: values['channelMap'] as Record<string, string>,
    maxConnections: values['maxConnections'] as number,
    maxSubscriptions: values['maxSubscriptions'] as number,
    maxMessageSize: values['maxMessageSize'] as number,
    maxRecordSize: values['maxRecordSize'] as number,
    backpressureLimit: values['backpressureLimit'] as number,
    clientRateLimit: values['clientRateLimit'] as number,
    heartbeatIntervalS: values['heartbeatInterval'] as number,
    drainTimeoutS: values['drainTimeout'] as number,
    history: {
      maxPerChannel: values['historySize'] as number,
      maxAgeMs: (values['historyMaxAge'] as number) * 1000,
      maxBytes: values['historyMaxBytes'] as number,
      maxReplayBytes: values['maxReplayBytes'] as number,
    },
  };
}

function kafkaConfigFrom(values: OptionValues): KafkaConfig {
  return { brokers: values['kafkaBrokers'] as string[], clientId: values['kafkaClientId'] as string };
}
