import type { LogLevel } from './log-levels.js';
import type { OptionValues } from './options.js';

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
  /** --backend-urls: the flag keeps the seed's word; in the code, they are shards. */
  shardUrls: string[];
  /** --backend-urls-file: when set, the shard list is read from this file and re-read while running (replaces shardUrls). */
  shardUrlsFile: string | undefined;
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
  /** The load balancer in front, its shardUrls being the local shards. */
  loadBalancer: LoadBalancerConfig;
  /** Port of the live ticker page. */
  webPort: number;
}

export function shardConfigFrom(values: OptionValues): ShardConfig {
  const port = values.port;
  const shardId = values.shardId || `shard-${port}`;
  return { ...shardSettings(values), shardId, port };
}

export function feedConfigFrom(values: OptionValues): FeedConfig {
  return {
    logLevel: values.logLevel,
    kafka: kafkaConfigFrom(values),
    topics: values.topics,
    symbols: values.symbols,
    rate: values.rate,
    durationS: values.duration,
  };
}

export function localConfigFrom(values: OptionValues, kafkaBrokersGiven: boolean): LocalConfig {
  const shards = values.shards;
  const basePort = values.port;
  const shardUrls = Array.from({ length: shards }, (_, i) => `ws://127.0.0.1:${basePort + i}/ws`);
  return {
    shards,
    basePort,
    startKafka: !kafkaBrokersGiven,
    shard: shardSettings(values),
    feed: feedConfigFrom(values),
    loadBalancer: loadBalancerConfigFrom({ ...values, backendUrls: shardUrls }),
    webPort: values.webPort,
  };
}

export function loadBalancerConfigFrom(values: OptionValues): LoadBalancerConfig {
  const [utilization, failures] = values.scoreWeights;
  return {
    host: values.host,
    port: values.lbPort,
    logLevel: values.logLevel,
    shardUrls: values.backendUrls,
    shardUrlsFile: values.backendUrlsFile || undefined,
    workers: values.lbWorkers,
    healthIntervalMs: values.healthInterval,
    handshakeTimeoutMs: values.handshakeTimeout,
    retryPauseMs: values.retryPause,
    breaker: {
      consecutiveFailures: values.breakerFailures,
      errorThresholdPercentage: values.breakerErrorThreshold,
      volumeThreshold: values.breakerVolumeThreshold,
      resetTimeoutMs: values.breakerResetTimeout,
    },
    failureWindowS: values.failureWindow,
    scoreWeights: { utilization: utilization!, failures: failures! },
    admission: {
      ratePerSecond: values.admissionRate,
      ipRatePerSecond: values.admissionIpRate,
      queueDepth: values.admissionQueue,
      maxWaitMs: values.admissionMaxWait,
    },
    trustedProxies: values.trustedProxies,
    drainTimeoutS: values.drainTimeout,
  };
}

function shardSettings(values: OptionValues): Omit<ShardConfig, 'shardId' | 'port'> {
  return {
    host: values.host,
    logLevel: values.logLevel,
    kafka: kafkaConfigFrom(values),
    topics: values.topics,
    channelMap: values.channelMap,
    maxConnections: values.maxConnections,
    maxSubscriptions: values.maxSubscriptions,
    maxMessageSize: values.maxMessageSize,
    maxRecordSize: values.maxRecordSize,
    backpressureLimit: values.backpressureLimit,
    clientRateLimit: values.clientRateLimit,
    heartbeatIntervalS: values.heartbeatInterval,
    drainTimeoutS: values.drainTimeout,
    history: {
      maxPerChannel: values.historySize,
      maxAgeMs: values.historyMaxAge * 1000,
      maxBytes: values.historyMaxBytes,
      maxReplayBytes: values.maxReplayBytes,
    },
  };
}

function kafkaConfigFrom(values: OptionValues): KafkaConfig {
  return { brokers: values.kafkaBrokers, clientId: values.kafkaClientId };
}
