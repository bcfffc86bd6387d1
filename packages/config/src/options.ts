import { OdinError } from '@odin-ws/errors';
import { LOG_LEVELS, type LogLevel } from './log-levels.js';
import { brokers, choice, cidrList, integer, list, onOff, origins, type Parser, shardUrls, text, topicEventMap } from './parsers.js';

export const MODES = ['shard', 'loadbalancer', 'feed', 'local'] as const;
export type Mode = (typeof MODES)[number];

/**
 * Every flag of `odin-ws`, in one table: its environment variable, default, parser and the modes
 * that read it. The CLI is generated from this table, so `--help`, the environment and the
 * documentation cannot drift apart.
 */
export interface OptionSpec<K extends string = string, T = unknown> {
  /** Key in the parsed values, e.g. `maxConnections`: commander's name for the flag. */
  key: K;
  /** Flag as commander spells it, e.g. `--max-connections <n>`. */
  flag: string;
  env: string;
  description: string;
  defaultValue: T;
  /** How the default reads in --help and the docs, when its value alone would mislead. */
  defaultLabel?: string;
  parse: Parser<T>;
  modes: readonly Mode[];
  /** The value a bare flag stands for, for flags whose value is optional (`--kafka-ssl` means on). */
  preset?: string;
}

function option<const K extends string, T>(spec: OptionSpec<K, T>): OptionSpec<K, T> {
  return spec;
}

const ALL: readonly Mode[] = MODES;

export const SASL_MECHANISM_OPTIONS = ['none', 'plain', 'scram-sha-256', 'scram-sha-512', 'oauthbearer'] as const;
export type SaslMechanismOption = (typeof SASL_MECHANISM_OPTIONS)[number];
const KAFKA_MODES: readonly Mode[] = ['shard', 'feed', 'local'];
const LB_MODES: readonly Mode[] = ['loadbalancer', 'local'];
const AUTH_MODES: readonly Mode[] = ['shard', 'loadbalancer', 'local'];

export const OPTION_SPECS = [
  option({
    key: 'logLevel',
    flag: '--log-level <level>',
    env: 'ODIN_LOG_LEVEL',
    description: 'pino log level',
    defaultValue: 'info' as LogLevel,
    parse: choice(LOG_LEVELS),
    modes: ALL,
  }),
  option({
    key: 'kafkaBrokers',
    flag: '--kafka-brokers <list>',
    env: 'ODIN_KAFKA_BROKERS',
    description: 'Kafka bootstrap brokers, host:port comma-separated',
    defaultValue: ['127.0.0.1:9092'],
    parse: brokers(),
    modes: KAFKA_MODES,
  }),
  option({
    key: 'kafkaClientId',
    flag: '--kafka-client-id <id>',
    env: 'ODIN_KAFKA_CLIENT_ID',
    description: 'Kafka client id (the shard adds its shard id)',
    defaultValue: 'odin-ws',
    parse: text(),
    modes: KAFKA_MODES,
  }),
  option({
    key: 'kafkaSsl',
    flag: '--kafka-ssl [on|off]',
    env: 'ODIN_KAFKA_SSL',
    description: 'connect to Kafka over TLS (required by GCP Managed Kafka, Confluent Cloud, MSK, Aiven, Redpanda Cloud)',
    defaultValue: false,
    parse: onOff(),
    preset: 'on',
    modes: KAFKA_MODES,
  }),
  option({
    key: 'kafkaSslCaFile',
    flag: '--kafka-ssl-ca-file <pem>',
    env: 'ODIN_KAFKA_SSL_CA_FILE',
    description: "PEM file of the CA(s) that signed the brokers' certificates, for a private CA (implies --kafka-ssl)",
    defaultValue: '',
    defaultLabel: "the system's trust store",
    parse: text(),
    modes: KAFKA_MODES,
  }),
  option({
    key: 'kafkaSslCertFile',
    flag: '--kafka-ssl-cert-file <pem>',
    env: 'ODIN_KAFKA_SSL_CERT_FILE',
    description: 'PEM client certificate for mutual TLS (with --kafka-ssl-key-file)',
    defaultValue: '',
    defaultLabel: 'none',
    parse: text(),
    modes: KAFKA_MODES,
  }),
  option({
    key: 'kafkaSslKeyFile',
    flag: '--kafka-ssl-key-file <pem>',
    env: 'ODIN_KAFKA_SSL_KEY_FILE',
    description: 'PEM private key of the client certificate (mutual TLS); a file, never a value on the command line',
    defaultValue: '',
    defaultLabel: 'none',
    parse: text(),
    modes: KAFKA_MODES,
  }),
  option({
    key: 'kafkaSslVerifyHostname',
    flag: '--kafka-ssl-verify-hostname [on|off]',
    env: 'ODIN_KAFKA_SSL_VERIFY_HOSTNAME',
    description: 'check that each broker certificate names the host connected to (the chain is always verified)',
    defaultValue: true,
    parse: onOff(),
    preset: 'on',
    modes: KAFKA_MODES,
  }),
  option({
    key: 'kafkaSaslMechanism',
    flag: '--kafka-sasl-mechanism <mechanism>',
    env: 'ODIN_KAFKA_SASL_MECHANISM',
    description: "SASL authentication: none, plain, scram-sha-256, scram-sha-512 or oauthbearer (a GCP access token of the VM's service account)",
    defaultValue: 'none' as SaslMechanismOption,
    parse: choice(SASL_MECHANISM_OPTIONS),
    modes: KAFKA_MODES,
  }),
  option({
    key: 'kafkaSaslUsername',
    flag: '--kafka-sasl-username <name>',
    env: 'ODIN_KAFKA_SASL_USERNAME',
    description: 'SASL user name (plain, scram-*)',
    defaultValue: '',
    defaultLabel: 'none',
    parse: text(),
    modes: KAFKA_MODES,
  }),
  option({
    key: 'kafkaSaslPasswordFile',
    flag: '--kafka-sasl-password-file <path>',
    env: 'ODIN_KAFKA_SASL_PASSWORD_FILE',
    description: 'file holding the SASL password (plain, scram-*; one trailing newline is ignored); or set ODIN_KAFKA_SASL_PASSWORD. Never on the command line',
    defaultValue: '',
    defaultLabel: 'none',
    parse: text(),
    modes: KAFKA_MODES,
  }),
  option({
    key: 'kafkaMetadataRefresh',
    flag: '--kafka-metadata-refresh <ms>',
    env: 'ODIN_KAFKA_METADATA_REFRESH',
    description:
      'how often topic metadata is re-read, so partitions added to a live topic are read (shard: from their first record) or written to (feed) within this time',
    defaultValue: 5000,
    parse: integer(500, 600_000),
    modes: KAFKA_MODES,
  }),
  option({
    key: 'topics',
    flag: '--topics <list>',
    env: 'ODIN_TOPICS',
    description: 'Kafka topics to consume (shard) or produce to (feed), comma-separated',
    defaultValue: ['odin.trades', 'odin.tickers', 'odin.orderbooks'],
    parse: list(),
    modes: KAFKA_MODES,
  }),
  option({
    key: 'channelMap',
    flag: '--channel-map <map>',
    env: 'ODIN_CHANNEL_MAP',
    description:
      'how a record maps to a channel: channel = <record key>.<event>, event taken from this topic=event list; a topic not listed uses the last dot-segment of its name',
    defaultValue: { 'odin.trades': 'trade', 'odin.tickers': 'ticker', 'odin.orderbooks': 'book' },
    parse: topicEventMap(),
    modes: ['shard', 'local'],
  }),
  option({
    key: 'host',
    flag: '--host <host>',
    env: 'ODIN_HOST',
    description: 'listen address',
    defaultValue: '0.0.0.0',
    parse: text(),
    modes: ['shard', 'loadbalancer', 'local'],
  }),
  option({
    key: 'port',
    flag: '--port <port>',
    env: 'ODIN_PORT',
    description: 'listen port (local mode: first shard port)',
    defaultValue: 3002,
    parse: integer(0, 65535),
    modes: ['shard', 'local'],
  }),
  option({
    key: 'shardId',
    flag: '--shard-id <id>',
    env: 'ODIN_SHARD_ID',
    description: 'shard identity in /health, metrics and the Kafka consumer group (default: shard-<port>)',
    defaultValue: '',
    parse: text(),
    modes: ['shard'],
  }),
  option({
    key: 'maxConnections',
    flag: '--max-connections <n>',
    env: 'ODIN_MAX_CONNECTIONS',
    description: 'WebSocket connections this shard accepts; handshakes beyond are refused with 503 and Retry-After',
    defaultValue: 15000,
    parse: integer(1, 1_000_000),
    modes: ['shard', 'local'],
  }),
  option({
    key: 'maxSubscriptions',
    flag: '--max-subscriptions <n>',
    env: 'ODIN_MAX_SUBSCRIPTIONS',
    description: 'channels one connection may subscribe to',
    defaultValue: 100,
    parse: integer(1, 100_000),
    modes: ['shard', 'local'],
  }),
  option({
    key: 'maxMessageSize',
    flag: '--max-message-size <bytes>',
    env: 'ODIN_MAX_MESSAGE_SIZE',
    description: 'largest client frame accepted; a larger one closes the connection with 1009 (past 4x this, uWS cuts the connection without a close frame)',
    defaultValue: 16 * 1024,
    parse: integer(256, 16 * 1024 * 1024),
    modes: ['shard', 'local'],
  }),
  option({
    key: 'maxRecordSize',
    flag: '--max-record-size <bytes>',
    env: 'ODIN_MAX_RECORD_SIZE',
    description: 'largest Kafka record value broadcast; larger records are dropped and counted',
    defaultValue: 1024 * 1024,
    parse: integer(64, 64 * 1024 * 1024),
    modes: ['shard', 'local'],
  }),
  option({
    key: 'backpressureLimit',
    flag: '--backpressure-limit <bytes>',
    env: 'ODIN_BACKPRESSURE_LIMIT',
    description: 'send buffer a client may build up before it is cut off as a slow consumer (close 1008)',
    defaultValue: 512 * 1024,
    parse: integer(16 * 1024, 256 * 1024 * 1024),
    modes: ['shard', 'local'],
  }),
  option({
    key: 'clientRateLimit',
    flag: '--client-rate-limit <n>',
    env: 'ODIN_CLIENT_RATE_LIMIT',
    description: 'messages per second a client may send (burst: twice this); the excess is dropped with RATE_LIMIT_EXCEEDED',
    defaultValue: 50,
    parse: integer(1, 100_000),
    modes: ['shard', 'local'],
  }),
  option({
    key: 'heartbeatInterval',
    flag: '--heartbeat-interval <s>',
    env: 'ODIN_HEARTBEAT_INTERVAL',
    description:
      "seconds a client may stay silent before it is closed as dead; the server pings it before that, so live clients and browsers answer in time (multiple of 4; keep below proxy idle timeouts such as GCP's 30 s)",
    defaultValue: 16,
    parse: heartbeatSeconds(),
    modes: ['shard', 'local'],
  }),
  option({
    key: 'historySize',
    flag: '--history-size <n>',
    env: 'ODIN_HISTORY_SIZE',
    description: 'recent records kept per channel so a reconnecting client can resume from its last position (0: no history, no recovery)',
    defaultValue: 1000,
    parse: integer(0, 1_000_000),
    modes: ['shard', 'local'],
  }),
  option({
    key: 'historyMaxAge',
    flag: '--history-max-age <s>',
    env: 'ODIN_HISTORY_MAX_AGE',
    description: 'seconds a record stays in the history; a fresh shard first reads this much of each partition to fill it',
    defaultValue: 120,
    parse: integer(1, 86_400),
    modes: ['shard', 'local'],
  }),
  option({
    key: 'historyMaxBytes',
    flag: '--history-max-bytes <bytes>',
    env: 'ODIN_HISTORY_MAX_BYTES',
    description: 'memory the whole history may use (estimated); past it the oldest records of any channel go first',
    defaultValue: 256 * 1024 * 1024,
    parse: integer(64 * 1024, 64 * 1024 * 1024 * 1024),
    modes: ['shard', 'local'],
  }),
  option({
    key: 'maxReplayBytes',
    flag: '--max-replay-bytes <bytes>',
    env: 'ODIN_MAX_REPLAY_BYTES',
    description: 'history one subscribe may replay; channels past it are answered REPLAY_TOO_LARGE (the replay may sit on top of --backpressure-limit)',
    defaultValue: 4 * 1024 * 1024,
    parse: integer(0, 1024 * 1024 * 1024),
    modes: ['shard', 'local'],
  }),
  option({
    key: 'drainTimeout',
    flag: '--drain-timeout <s>',
    env: 'ODIN_DRAIN_TIMEOUT',
    description: 'seconds a SIGTERM/SIGINT drain may take before the process exits',
    defaultValue: 30,
    parse: integer(1, 3600),
    modes: ['shard', 'loadbalancer', 'local'],
  }),
  option({
    key: 'lbPort',
    flag: '--lb-port <port>',
    env: 'ODIN_LB_PORT',
    description: 'load-balancer listen port',
    defaultValue: 3001,
    parse: integer(0, 65535),
    modes: LB_MODES,
  }),
  option({
    key: 'backendUrls',
    flag: '--backend-urls <list>',
    env: 'ODIN_BACKEND_URLS',
    description: 'shard URLs the load balancer proxies to, comma-separated ws://host:port/ws',
    defaultValue: ['ws://127.0.0.1:3002/ws', 'ws://127.0.0.1:3003/ws', 'ws://127.0.0.1:3004/ws'],
    parse: shardUrls(),
    modes: ['loadbalancer'],
  }),
  option({
    key: 'backendUrlsFile',
    flag: '--backend-urls-file <path>',
    env: 'ODIN_BACKEND_URLS_FILE',
    description:
      "file of shard URLs, one per line (# comments), re-read every --health-interval: shards are added and removed without a restart (a MIG's discovery writes it); replaces --backend-urls when set",
    defaultValue: '',
    defaultLabel: 'none',
    parse: text(),
    modes: ['loadbalancer'],
  }),
  option({
    key: 'shardHealthPort',
    flag: '--shard-health-port <port>',
    env: 'ODIN_SHARD_HEALTH_PORT',
    description: "port on which the load balancer polls each shard's /health: the shards' --admin-port when they have one",
    defaultValue: 0,
    defaultLabel: "each shard's own port",
    parse: integer(1, 65535),
    modes: ['loadbalancer'],
  }),
  option({
    key: 'lbWorkers',
    flag: '--lb-workers <n>',
    env: 'ODIN_LB_WORKERS',
    description: "load-balancer worker processes sharing the port (each proxied connection costs two of a process's file descriptors)",
    defaultValue: 2,
    parse: integer(1, 64),
    modes: LB_MODES,
  }),
  option({
    key: 'healthInterval',
    flag: '--health-interval <ms>',
    env: 'ODIN_HEALTH_INTERVAL',
    description: "how often the load balancer polls each shard's /health",
    defaultValue: 1000,
    parse: integer(50, 60_000),
    modes: LB_MODES,
  }),
  option({
    key: 'handshakeTimeout',
    flag: '--handshake-timeout <ms>',
    env: 'ODIN_HANDSHAKE_TIMEOUT',
    description: 'how long one shard may take to answer a proxied handshake before the next shard is tried',
    defaultValue: 3000,
    parse: integer(50, 60_000),
    modes: LB_MODES,
  }),
  option({
    key: 'retryPause',
    flag: '--retry-pause <ms>',
    env: 'ODIN_RETRY_PAUSE',
    description: 'pause between trying one shard and the next',
    defaultValue: 10,
    parse: integer(0, 5000),
    modes: LB_MODES,
  }),
  option({
    key: 'breakerFailures',
    flag: '--breaker-failures <n>',
    env: 'ODIN_BREAKER_FAILURES',
    description: "consecutive failed handshakes that open a shard's circuit at once (a dead shard trips this before the percentage rule)",
    defaultValue: 3,
    parse: integer(1, 10_000),
    modes: LB_MODES,
  }),
  option({
    key: 'breakerErrorThreshold',
    flag: '--breaker-error-threshold <percent>',
    env: 'ODIN_BREAKER_ERROR_THRESHOLD',
    description: "failed handshakes (percent of the failure window) that open a shard's circuit",
    defaultValue: 50,
    parse: integer(1, 100),
    modes: LB_MODES,
  }),
  option({
    key: 'breakerVolumeThreshold',
    flag: '--breaker-volume-threshold <n>',
    env: 'ODIN_BREAKER_VOLUME_THRESHOLD',
    description: 'handshakes in the failure window before a circuit may open',
    defaultValue: 3,
    parse: integer(1, 100_000),
    modes: LB_MODES,
  }),
  option({
    key: 'breakerResetTimeout',
    flag: '--breaker-reset-timeout <ms>',
    env: 'ODIN_BREAKER_RESET_TIMEOUT',
    description: 'how long an open circuit waits before letting one trial handshake through (half-open)',
    defaultValue: 5000,
    parse: integer(100, 600_000),
    modes: LB_MODES,
  }),
  option({
    key: 'failureWindow',
    flag: '--failure-window <s>',
    env: 'ODIN_FAILURE_WINDOW',
    description: 'sliding window for recent handshake failures (health score and circuit breaker)',
    defaultValue: 10,
    parse: integer(1, 3600),
    modes: LB_MODES,
  }),
  option({
    key: 'scoreWeights',
    flag: '--score-weights <u,f>',
    env: 'ODIN_SCORE_WEIGHTS',
    description: 'health score = u x (1 - utilization) + f x (1 - recent failure rate)',
    defaultValue: [0.6, 0.4],
    parse: weights(),
    modes: LB_MODES,
  }),
  option({
    key: 'admissionRate',
    flag: '--admission-rate <n>',
    env: 'ODIN_ADMISSION_RATE',
    description: 'new handshakes per second the whole load balancer admits (split evenly over its workers; burst: the same); more wait in the queue',
    defaultValue: 4000,
    parse: integer(1, 1_000_000),
    modes: LB_MODES,
  }),
  option({
    key: 'admissionIpRate',
    flag: '--admission-ip-rate <n>',
    env: 'ODIN_ADMISSION_IP_RATE',
    description:
      'new handshakes per second admitted per client IP, for the whole load balancer (split over its workers, which the kernel hands connections in turn; burst: the same)',
    defaultValue: 2000,
    parse: integer(1, 1_000_000),
    modes: LB_MODES,
  }),
  option({
    key: 'admissionQueue',
    flag: '--admission-queue <n>',
    env: 'ODIN_ADMISSION_QUEUE',
    description:
      'handshakes that may wait for admission, for the whole load balancer (split over its workers); one IP holds at most what its rate admits within --admission-max-wait. Beyond, clients get 1013 with a retry delay',
    defaultValue: 20_000,
    parse: integer(0, 1_000_000),
    modes: LB_MODES,
  }),
  option({
    key: 'admissionMaxWait',
    flag: '--admission-max-wait <ms>',
    env: 'ODIN_ADMISSION_MAX_WAIT',
    description: 'longest a handshake waits in the admission queue before it gets 1013',
    defaultValue: 3000,
    parse: integer(1, 600_000),
    modes: LB_MODES,
  }),
  option({
    key: 'webPort',
    flag: '--web-port <port>',
    env: 'ODIN_WEB_PORT',
    description: 'port of the live ticker page (built on the client SDK) that local mode serves',
    defaultValue: 3000,
    parse: integer(1, 65535),
    modes: ['local'],
  }),
  option({
    key: 'trustedProxies',
    flag: '--trusted-proxies <list>',
    env: 'ODIN_TRUSTED_PROXIES',
    description:
      "addresses or CIDR ranges of proxies in front of the load balancer (e.g. Google's front ends): from them, per-IP admission counts the rightmost X-Forwarded-For address that is not a trusted proxy",
    defaultValue: [] as string[],
    defaultLabel: 'none',
    parse: cidrList(),
    modes: LB_MODES,
  }),
  option({
    key: 'authSecretFile',
    flag: '--auth-secret-file <path>',
    env: 'ODIN_AUTH_SECRET_FILE',
    description: 'turn authentication on: clients need a JWT signed with this shared secret (HS256/384/512)',
    defaultValue: '',
    defaultLabel: 'none (no authentication)',
    parse: text(),
    modes: AUTH_MODES,
  }),
  option({
    key: 'authPublicKeyFile',
    flag: '--auth-public-key-file <pem>',
    env: 'ODIN_AUTH_PUBLIC_KEY_FILE',
    description: 'turn authentication on: JWTs signed by the private half of this PEM public key (RS*/PS*, ES*, EdDSA by key type)',
    defaultValue: '',
    defaultLabel: 'none',
    parse: text(),
    modes: AUTH_MODES,
  }),
  option({
    key: 'authJwksFile',
    flag: '--auth-jwks-file <path>',
    env: 'ODIN_AUTH_JWKS_FILE',
    description: 'turn authentication on: JWTs signed by a key of this JWKS file (matched by kid), re-read when it changes',
    defaultValue: '',
    defaultLabel: 'none',
    parse: text(),
    modes: AUTH_MODES,
  }),
  option({
    key: 'authJwksUrl',
    flag: '--auth-jwks-url <url>',
    env: 'ODIN_AUTH_JWKS_URL',
    description: "turn authentication on: JWTs signed by a key of the issuer's JWKS at this https URL (fetched and cached)",
    defaultValue: '',
    defaultLabel: 'none',
    parse: text(),
    modes: AUTH_MODES,
  }),
  option({
    key: 'authAudience',
    flag: '--auth-audience <aud>',
    env: 'ODIN_AUTH_AUDIENCE',
    description: 'when set, a token must name this audience (aud)',
    defaultValue: '',
    defaultLabel: 'not checked',
    parse: text(),
    modes: AUTH_MODES,
  }),
  option({
    key: 'authIssuer',
    flag: '--auth-issuer <iss>',
    env: 'ODIN_AUTH_ISSUER',
    description: 'when set, a token must come from this issuer (iss)',
    defaultValue: '',
    defaultLabel: 'not checked',
    parse: text(),
    modes: AUTH_MODES,
  }),
  option({
    key: 'authChannelsClaim',
    flag: '--auth-channels-claim <name>',
    env: 'ODIN_AUTH_CHANNELS_CLAIM',
    description: 'claim listing the channel patterns a token grants (*, BTC.*, *.trade, exact names); a token without it may see every channel',
    defaultValue: 'channels',
    parse: text(),
    modes: AUTH_MODES,
  }),
  option({
    key: 'authClockTolerance',
    flag: '--auth-clock-tolerance <s>',
    env: 'ODIN_AUTH_CLOCK_TOLERANCE',
    description: 'clock skew allowed when checking exp and nbf',
    defaultValue: 30,
    parse: integer(0, 3600),
    modes: AUTH_MODES,
  }),
  option({
    key: 'authRefreshWindow',
    flag: '--auth-refresh-window <s>',
    env: 'ODIN_AUTH_REFRESH_WINDOW',
    description: 'how long before its token expires a connection is sent token_expiring, to refresh it in place; at expiry it is closed with 4001',
    defaultValue: 30,
    parse: integer(1, 3600),
    modes: ['shard', 'local'],
  }),
  option({
    key: 'allowedOrigins',
    flag: '--allowed-origins <list>',
    env: 'ODIN_ALLOWED_ORIGINS',
    description:
      'browser origins allowed to connect (e.g. https://app.example.com); a handshake with another Origin header gets 403. Clients that send no Origin (non-browsers) are not affected',
    defaultValue: [] as string[],
    defaultLabel: 'any origin',
    parse: origins(),
    modes: AUTH_MODES,
  }),
  option({
    key: 'adminPort',
    flag: '--admin-port <port>',
    env: 'ODIN_ADMIN_PORT',
    description: 'port of the private ops surface (/metrics, detailed /health); when set, the public port answers only /ws and a minimal /health and /ready',
    defaultValue: 0,
    defaultLabel: 'none (everything on the public port)',
    parse: integer(1, 65535),
    modes: ['shard', 'loadbalancer'],
  }),
  option({
    key: 'adminHost',
    flag: '--admin-host <host>',
    env: 'ODIN_ADMIN_HOST',
    description: "address of the ops surface: loopback, or the instance's internal address (never a public one)",
    defaultValue: '127.0.0.1',
    parse: text(),
    modes: ['shard', 'loadbalancer'],
  }),
  option({
    key: 'shards',
    flag: '--shards <n>',
    env: 'ODIN_SHARDS',
    description: 'shard processes to start',
    defaultValue: 3,
    parse: integer(1, 64),
    modes: ['local'],
  }),
  option({
    key: 'symbols',
    flag: '--symbols <list>',
    env: 'ODIN_FEED_SYMBOLS',
    description: 'symbols the demo feed trades',
    defaultValue: ['BTC', 'ETH', 'SOL', 'DOGE', 'PEPE', 'ADA', 'XRP', 'AVAX'],
    parse: list(),
    modes: ['feed', 'local'],
  }),
  option({
    key: 'rate',
    flag: '--rate <n>',
    env: 'ODIN_FEED_RATE',
    description: 'records per second the demo feed produces, over all topics',
    defaultValue: 100,
    parse: integer(1, 1_000_000),
    modes: ['feed', 'local'],
  }),
  option({
    key: 'duration',
    flag: '--duration <s>',
    env: 'ODIN_FEED_DURATION',
    description: 'seconds the demo feed runs (0: until stopped)',
    defaultValue: 0,
    parse: integer(0, 31_536_000),
    modes: ['feed'],
  }),
] as const satisfies readonly OptionSpec[];

export type OptionSpecs = typeof OPTION_SPECS;
export type OptionKey = OptionSpecs[number]['key'];

/**
 * Option values as the CLI parsed them, typed from the table: `values.maxConnections` is a number,
 * and a misspelt or removed key is a compile error, not an undefined at run time.
 */
export type OptionValues = { [S in OptionSpecs[number] as S['key']]: S extends OptionSpec<string, infer T> ? T : never };

/**
 * The options an environment sets (its ODIN_* variables, parsed as the CLI parses them), the rest at
 * their defaults: for tools that take no flags of their own for these (the bench's producer, tests).
 */
export function optionValuesFromEnvironment(env: NodeJS.ProcessEnv): OptionValues {
  const values: Record<string, unknown> = { ...defaultOptionValues() };
  for (const spec of OPTION_SPECS) {
    const raw = env[spec.env];
    if (raw !== undefined) values[spec.key] = spec.parse(raw);
  }
  return values as OptionValues;
}

/** Every option at its default: a base for tests and for building a config from a few overrides. */
export function defaultOptionValues(): OptionValues {
  return Object.fromEntries(OPTION_SPECS.map((spec) => [spec.key, spec.defaultValue])) as OptionValues;
}

function heartbeatSeconds(): Parser<number> {
  const parseInteger = integer(8, 960);
  return (raw) => {
    const value = parseInteger(raw);
    // uWS checks timeouts on a 4-second tick; other values would be silently rounded.
    if (value % 4 !== 0) throw new OdinError('E_INVALID_OPTION_VALUE', `expected a multiple of 4 seconds, got '${raw}'`, { value: raw });
    return value;
  };
}

/** A default as a user would type it: lists and maps comma-separated, '' as "derived". */
export function formatOptionDefault(spec: Pick<OptionSpec, 'defaultValue' | 'defaultLabel'>): string {
  if (spec.defaultLabel !== undefined) return spec.defaultLabel;
  const value = spec.defaultValue;
  if (typeof value === 'boolean') return value ? 'on' : 'off';
  if (Array.isArray(value)) return value.join(',');
  if (typeof value === 'object' && value !== null)
    return Object.entries(value)
      .map(([k, v]) => `${k}=${String(v)}`)
      .join(',');
  if (value === '') return 'derived';
  return String(value);
}

function weights(): Parser<number[]> {
  return (raw) => {
    const parts = raw.split(',').map((part) => Number(part.trim()));
    if (parts.length !== 2 || parts.some((part) => !Number.isFinite(part) || part < 0) || parts[0]! + parts[1]! <= 0) {
      throw new OdinError('E_INVALID_OPTION_VALUE', `expected two non-negative weights u,f (e.g. 0.6,0.4), got '${raw}'`, { value: raw });
    }
    return parts;
  };
}
