import { OdinError } from '@odin-ws/errors';
import type { LogLevel } from './log-levels.js';
import type { OptionValues } from './options.js';
import type { QueryTokenMode } from './options-access.js';
import type { DeliveryFormName, PermessageDeflateMode } from './options-shard.js';

/** Typed configuration of each mode, built from the parsed option values. */
export interface KafkaConfig {
  brokers: string[];
  clientId: string;
  /** TLS to the brokers; undefined: plain TCP. */
  tls: KafkaTlsConfig | undefined;
  /** SASL authentication; undefined: none. */
  sasl: KafkaSaslConfig | undefined;
  /** How often topic metadata is re-read (new partitions are noticed within this). */
  metadataRefreshMs: number;
}

/** Files, not contents: they are read (and checked) when the Kafka client is built, so a bad one fails the start with its flag named. */
export interface KafkaTlsConfig {
  /** PEM CA bundle; undefined: the system's trust store. */
  caFile: string | undefined;
  certFile: string | undefined;
  keyFile: string | undefined;
  verifyHostname: boolean;
}

export type KafkaSaslConfig =
  | {
      mechanism: 'plain' | 'scram-sha-256' | 'scram-sha-512';
      username: string;
      /** undefined: the password comes from ODIN_KAFKA_SASL_PASSWORD. */
      passwordFile: string | undefined;
    }
  | { mechanism: 'oauthbearer' };

/** How clients prove who they are (docs/auth.md). Undefined in a config: no authentication. */
export interface AuthConfig {
  /** Exactly one key source. */
  key: { kind: 'secret-file' | 'public-key-file' | 'jwks-file' | 'jwks-url'; location: string };
  audience: string | undefined;
  issuer: string | undefined;
  channelsClaim: string;
  /** Patterns for a token without the claim; undefined: such a token is refused. */
  defaultChannels: string[] | undefined;
  /** Longest life a token may have, in seconds. */
  maxTokenLifetimeS: number;
  clockToleranceS: number;
  /** Shard: how long before expiry a connection is asked to refresh its token. */
  refreshWindowS: number;
  /** A token must carry `sub`: connections are capped per user (--max-connections-per-user) and --auth-allow-no-subject is off. */
  requireSubject: boolean;
  /** Whether a token may come in the URL's `?token=` (--auth-query-token). */
  queryToken: QueryTokenMode;
}

/** Who may reach a tier and where its operators look. */
export interface AccessConfig {
  auth: AuthConfig | undefined;
  /** Lower-case origins; empty: any. */
  allowedOrigins: string[];
  /** The private ops surface; undefined (--ops-on-public-port): /metrics and the detailed /health are on the public port. */
  admin: { host: string; port: number } | undefined;
}

/** Where the ops surface listens by default: the public port plus this (3002 -> 3102). */
export const ADMIN_PORT_OFFSET = 100;

export interface ShardConfig {
  shardId: string;
  host: string;
  port: number;
  access: AccessConfig;
  logLevel: LogLevel;
  kafka: KafkaConfig;
  topics: string[];
  /** topic -> event part of the channel name. */
  channelMap: Record<string, string>;
  maxConnections: number;
  /** Connections one token `sub` may hold on this shard (authentication on); 0: no cap. */
  maxConnectionsPerUser: number;
  maxSubscriptions: number;
  maxMessageSize: number;
  maxRecordSize: number;
  /** Levels a maintained book keeps a side (--book-max-levels). */
  bookMaxLevels: number;
  /** The forms a subscribe may ask for (--delivery-forms): by the request value that asks for each. */
  deliveryForms: DeliveryFormName[];
  /** Largest envelope a delta or compressed frame is built of (--form-max-record-size). */
  formMaxRecordSize: number;
  backpressureLimit: number;
  clientRateLimit: number;
  /** permessage-deflate for clients that offer it (docs/performance.md has the figures behind the default). */
  permessageDeflate: PermessageDeflateMode;
  heartbeatIntervalS: number;
  drainTimeoutS: number;
  history: HistoryLimits;
  state: StateChannels;
}

/** Channels that carry state: their latest envelope is kept and sent on subscribe (docs/protocol.md, "State on subscribe"). */
export interface StateChannels {
  /** Event parts of channel names (`ticker`, `book`); empty: none. */
  events: string[];
  maxBytes: number;
  /** How far back a fresh shard reads a state topic that is not compacted. */
  lookbackMs: number;
  /** The same for the topics of `book` channels (--book-lookback): a producer snapshots its books at least this often. */
  bookLookbackMs: number;
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
  access: AccessConfig;
  logLevel: LogLevel;
  /** --backend-urls: the flag keeps the seed's word; in the code, they are shards. */
  shardUrls: string[];
  /** --backend-urls-file: when set, the shard list is read from this file and re-read while running (replaces shardUrls). */
  shardUrlsFile: string | undefined;
  /** Where each shard's /load is polled; undefined: the port of its URL. */
  shardHealthPort: number | undefined;
  /** Each worker's V8 old generation, MB. */
  workerHeapMb: number;
  workers: number;
  healthIntervalMs: number;
  handshakeTimeoutMs: number;
  retryPauseMs: number;
  breaker: { consecutiveFailures: number; errorThresholdPercentage: number; volumeThreshold: number; resetTimeoutMs: number };
  failureWindowS: number;
  scoreWeights: { utilization: number; failures: number };
  /** Connections one client IP may hold through the whole load balancer; 0: no cap. */
  /** How long a client may take to read the end of a connection its shard ended. */
  stalledClientTimeoutMs: number;
  maxConnectionsPerIp: number;
  /** Connections one token `sub` may hold through this load balancer, over all its workers (authentication on); 0: no cap. */
  maxConnectionsPerUser: number;
  /** Refused tokens per second one address may send a worker (bursts of ten seconds' worth). */
  authFailuresPerIp: number;
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
    access: accessConfigFrom(values, values.lbPort),
    logLevel: values.logLevel,
    shardUrls: values.backendUrls,
    shardUrlsFile: values.backendUrlsFile || undefined,
    shardHealthPort: values.shardHealthPort || undefined,
    workers: values.lbWorkers,
    workerHeapMb: values.lbWorkerHeap,
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
    maxConnectionsPerIp: values.maxConnectionsPerIp,
    maxConnectionsPerUser: values.maxConnectionsPerUser,
    authFailuresPerIp: values.authFailuresPerIp,
    stalledClientTimeoutMs: values.stalledClientTimeout,
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
    access: accessConfigFrom(values, values.port),
    logLevel: values.logLevel,
    kafka: kafkaConfigFrom(values),
    topics: values.topics,
    channelMap: values.channelMap,
    maxConnections: values.maxConnections,
    maxConnectionsPerUser: values.maxConnectionsPerUser,
    maxSubscriptions: values.maxSubscriptions,
    maxMessageSize: values.maxMessageSize,
    maxRecordSize: values.maxRecordSize,
    bookMaxLevels: values.bookMaxLevels,
    deliveryForms: values.deliveryForms,
    formMaxRecordSize: values.formMaxRecordSize,
    backpressureLimit: values.backpressureLimit,
    clientRateLimit: values.clientRateLimit,
    permessageDeflate: values.permessageDeflate,
    heartbeatIntervalS: values.heartbeatInterval,
    drainTimeoutS: values.drainTimeout,
    history: {
      maxPerChannel: values.historySize,
      maxAgeMs: values.historyMaxAge * 1000,
      maxBytes: values.historyMaxBytes,
      maxReplayBytes: values.maxReplayBytes,
    },
    state: {
      events: values.stateChannels,
      maxBytes: values.stateMaxBytes,
      lookbackMs: values.stateLookback * 1000,
      bookLookbackMs: values.bookLookback * 1000,
    },
  };
}

/**
 * Who may connect, and the ops surface: private by default (--admin-host, loopback, at --admin-port
 * or the public port + ADMIN_PORT_OFFSET), on the public port only when asked for. A public port of
 * 0 (any free one) gets an ops port of 0 too.
 */
export function accessConfigFrom(values: OptionValues, publicPort: number): AccessConfig {
  const port = values.adminPort !== 0 ? values.adminPort : publicPort === 0 ? 0 : publicPort + ADMIN_PORT_OFFSET;
  if (port > 65535) {
    throw new OdinError('E_INVALID_OPTION_VALUE', `--admin-port: the public port + ${ADMIN_PORT_OFFSET} is past 65535; give --admin-port`, {
      value: publicPort,
    });
  }
  return {
    auth: authConfigFrom(values),
    allowedOrigins: values.allowedOrigins,
    admin: values.opsOnPublicPort ? undefined : { host: values.adminHost, port },
  };
}

function authConfigFrom(values: OptionValues): AuthConfig | undefined {
  const sources = (
    [
      ['secret-file', values.authSecretFile, '--auth-secret-file'],
      ['public-key-file', values.authPublicKeyFile, '--auth-public-key-file'],
      ['jwks-file', values.authJwksFile, '--auth-jwks-file'],
      ['jwks-url', values.authJwksUrl, '--auth-jwks-url'],
    ] as const
  ).filter(([, location]) => location !== '');
  if (sources.length === 0) return undefined;
  if (sources.length > 1) {
    throw new OdinError('E_INVALID_OPTION_VALUE', `authentication takes one key source, got ${sources.map(([, , flag]) => flag).join(' and ')}`, {
      flags: sources.map(([, , flag]) => flag),
    });
  }
  const [[kind, location]] = sources as unknown as [[AuthConfig['key']['kind'], string]];
  if (kind === 'jwks-url') checkJwksUrl(location, values.authAudience);
  return {
    key: { kind, location },
    audience: values.authAudience || undefined,
    issuer: values.authIssuer || undefined,
    channelsClaim: values.authChannelsClaim,
    defaultChannels: values.authDefaultChannels.length > 0 ? values.authDefaultChannels : undefined,
    maxTokenLifetimeS: values.authMaxTokenLifetime,
    clockToleranceS: values.authClockTolerance,
    refreshWindowS: values.authRefreshWindow,
    requireSubject: values.maxConnectionsPerUser > 0 && !values.authAllowNoSubject,
    queryToken: values.authQueryToken,
  };
}

/**
 * Keys fetched over the network: over https, so no one on the path swaps in their own (http only for
 * an issuer on this machine); and with an audience, since an identity provider shared with other
 * apps signs their tokens with the same keys.
 */
function checkJwksUrl(location: string, audience: string): void {
  let url: URL;
  try {
    url = new URL(location);
  } catch {
    throw new OdinError('E_INVALID_OPTION_VALUE', `--auth-jwks-url must be an https URL, got '${location}'`, { value: location });
  }
  const loopback = ['localhost', '127.0.0.1', '[::1]'].includes(url.hostname) || url.hostname.startsWith('127.');
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && loopback)) {
    throw new OdinError('E_INVALID_OPTION_VALUE', `--auth-jwks-url must be an https URL (http only for an issuer on loopback), got '${location}'`, {
      value: location,
    });
  }
  if (audience === '') {
    throw new OdinError(
      'E_INVALID_OPTION_VALUE',
      '--auth-jwks-url needs --auth-audience: its issuer signs tokens for other apps too, which must not get in here',
      {
        value: location,
      },
    );
  }
}

export function kafkaConfigFrom(values: OptionValues): KafkaConfig {
  const optional = (value: string) => value || undefined;
  // A CA, a client certificate or key only make sense over TLS: giving one turns TLS on.
  const tlsWanted = values.kafkaSsl || [values.kafkaSslCaFile, values.kafkaSslCertFile, values.kafkaSslKeyFile].some((file) => file !== '');
  if ((values.kafkaSslCertFile === '') !== (values.kafkaSslKeyFile === '')) {
    throw new OdinError('E_INVALID_OPTION_VALUE', 'mutual TLS needs both --kafka-ssl-cert-file and --kafka-ssl-key-file', {
      certFile: values.kafkaSslCertFile,
      keyFile: values.kafkaSslKeyFile,
    });
  }
  return {
    brokers: values.kafkaBrokers,
    clientId: values.kafkaClientId,
    tls: tlsWanted
      ? {
          caFile: optional(values.kafkaSslCaFile),
          certFile: optional(values.kafkaSslCertFile),
          keyFile: optional(values.kafkaSslKeyFile),
          verifyHostname: values.kafkaSslVerifyHostname,
        }
      : undefined,
    sasl: plaintextSaslChecked(saslConfigFrom(values), tlsWanted, values.kafkaAllowPlaintextSasl),
    metadataRefreshMs: values.kafkaMetadataRefresh,
  };
}

/**
 * SASL PLAIN sends the password itself, and OAUTHBEARER a bearer token (on GCP the VM's
 * cloud-platform access token), in every connection: over plaintext, to anyone on the path. Refused
 * without TLS unless asked for (a broker on loopback, a test). SCRAM never sends the password.
 */
function plaintextSaslChecked(sasl: KafkaSaslConfig | undefined, tls: boolean, allowed: boolean): KafkaSaslConfig | undefined {
  if (sasl === undefined || tls || allowed || sasl.mechanism.startsWith('scram')) return sasl;
  throw new OdinError(
    'E_INVALID_OPTION_VALUE',
    `--kafka-sasl-mechanism ${sasl.mechanism} over plaintext would send its ${sasl.mechanism === 'plain' ? 'password' : 'token'} in clear: turn on --kafka-ssl, or pass --kafka-allow-plaintext-sasl`,
    { mechanism: sasl.mechanism },
  );
}

function saslConfigFrom(values: OptionValues): KafkaSaslConfig | undefined {
  const mechanism = values.kafkaSaslMechanism;
  if (mechanism === 'none') return undefined;
  if (mechanism === 'oauthbearer') return { mechanism };
  if (values.kafkaSaslUsername === '') {
    throw new OdinError('E_INVALID_OPTION_VALUE', `--kafka-sasl-mechanism ${mechanism} needs --kafka-sasl-username`, { mechanism });
  }
  return { mechanism, username: values.kafkaSaslUsername, passwordFile: values.kafkaSaslPasswordFile || undefined };
}
