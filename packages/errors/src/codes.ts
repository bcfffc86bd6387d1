/**
 * Every code an OdinError can carry, in two tables (like fastify's `FST_ERR_*`): the servers' and
 * the SDK's, merged as ErrorCode; the SDK exports only its own (as its ErrorCode). `E_` then what failed. A code is a stable contract for logs, tests and callers;
 * the message beside it is for people and may change.
 *
 * Not in this table: the wire codes a server sends to clients (`{"type":"error","code":"INVALID_CHANNEL"}`,
 * close reasons such as `DRAINING`, shard refusals such as `AT_CAPACITY`). Those belong to the protocol
 * (`@odin-ws/protocol`), keep the names the earlier system's clients know, and carry no prefix; the SDK
 * reports them as E_SERVER_ERROR with the wire code in `details.serverCode`.
 */
export const ServerErrorCode = {
  // Configuration and start-up (the CLI prints "odin-ws: <code>: <message>" and exits 78 for a
  // configuration error, 64 for a usage error, 1 for anything else: docs/configuration.md#exit-codes)
  /** A flag, ODIN_* variable or --config key has a value its parser refuses. */
  INVALID_OPTION_VALUE: 'E_INVALID_OPTION_VALUE',
  /** The --config file cannot be read, is not YAML/JSON, or names a key that is not a setting. */
  CONFIG_FILE: 'E_CONFIG_FILE',
  /** The command line is not one odin-ws takes: an unknown flag or command, no --mode. */
  USAGE: 'E_USAGE',
  /** A port could not be bound (in use, not permitted). */
  LISTEN_FAILED: 'E_LISTEN_FAILED',
  /** The uWebSockets.js native binary does not load (the pure-JS fallback is refused). */
  UWS_NATIVE_UNAVAILABLE: 'E_UWS_NATIVE_UNAVAILABLE',
  /** The uWebSockets.js binary is not the recorded build (its sha256 differs): it is not loaded. */
  UWS_BINARY_MISMATCH: 'E_UWS_BINARY_MISMATCH',
  /** This Node.js is not the supported runtime (docs/deploy.md#runtime); details.node and details.abi say which it is. */
  NODE_UNSUPPORTED: 'E_NODE_UNSUPPORTED',
  /** Local mode could not start its Kafka broker (scripts/kafka.sh). */
  LOCAL_BROKER_FAILED: 'E_LOCAL_BROKER_FAILED',
  // Kafka
  /** A Kafka security setting is unusable: a CA, certificate, key or password file missing or not what it should be. */
  KAFKA_CONFIG: 'E_KAFKA_CONFIG',
  /** The broker refused the SASL credentials (wrong user, password or mechanism). */
  KAFKA_AUTH_FAILED: 'E_KAFKA_AUTH_FAILED',
  /** TLS to the broker failed for a reason reconnecting cannot mend: an untrusted or wrong certificate, or one side not speaking TLS. */
  KAFKA_TLS: 'E_KAFKA_TLS',
  /** No OAUTHBEARER token could be had (the GCP metadata server did not give one). */
  KAFKA_OAUTH_TOKEN: 'E_KAFKA_OAUTH_TOKEN',
  /** A record batch uses a compression type odin-ws has no codec for. */
  CODEC_UNSUPPORTED: 'E_CODEC_UNSUPPORTED',
  /** A compressed record batch is malformed. */
  CODEC_CORRUPT: 'E_CODEC_CORRUPT',
  // Authentication
  /** A key file for token verification is missing or unusable (--auth-secret-file, --auth-public-key-file, --auth-jwks-file). */
  AUTH_CONFIG: 'E_AUTH_CONFIG',
  // Load balancer
  /** The --backend-urls-file shard list cannot be read or has a bad line. */
  SHARD_LIST_FILE: 'E_SHARD_LIST_FILE',
  /** A shard did not take a proxied handshake (details.reason says why). */
  SHARD_HANDSHAKE_FAILED: 'E_SHARD_HANDSHAKE_FAILED',
  /** The kernel refused a relayed write (details.code: EPIPE, ECONNRESET...): that connection ends. */
  SOCKET_WRITE_FAILED: 'E_SOCKET_WRITE_FAILED',
  /** node:http's server has no connection listener for the LB to read handshakes ahead of (a Node release changed its internals). */
  HTTP_SERVER_UNSUPPORTED: 'E_HTTP_SERVER_UNSUPPORTED',
  /** Load-balancer workers keep dying: the primary stops, so its supervisor restarts it or alerts. */
  WORKER_CRASH_LOOP: 'E_WORKER_CRASH_LOOP',
  /** The cluster primary did not return the aggregated metrics of all workers. */
  METRICS_AGGREGATION_FAILED: 'E_METRICS_AGGREGATION_FAILED',
} as const;

/** The SDK's codes (@odin-ws/client exports this table as its ErrorCode). */
export const ClientErrorCode = {
  /** No WebSocket implementation on this platform and none passed in the options. */
  NO_WEBSOCKET: 'E_NO_WEBSOCKET',
  /** A channel name the protocol would refuse, caught before it is sent. */
  INVALID_CHANNEL: 'E_INVALID_CHANNEL',
  /** The client was closed; nothing more can be subscribed. */
  CLIENT_CLOSED: 'E_CLIENT_CLOSED',
  /** The server closed the connection in a way reconnecting would only repeat; the client gave up. */
  CONNECTION_REFUSED: 'E_CONNECTION_REFUSED',
  /** getToken threw or rejected; the connection is tried without a token (and the server says why not). */
  TOKEN_UNAVAILABLE: 'E_TOKEN_UNAVAILABLE',
  /** The server answered a request with an error; details.serverCode is its wire code. */
  SERVER_ERROR: 'E_SERVER_ERROR',
  /** An async iterator fell too far behind; it fails rather than skip messages. */
  ITERATOR_OVERFLOW: 'E_ITERATOR_OVERFLOW',
  /** The server refused the connection's token (close 4401, or HTTP 401): details.serverCode says why. */
  UNAUTHORIZED: 'E_UNAUTHORIZED',
  /** The server refused the connection for its origin or entitlements (close 4403, or HTTP 403). */
  FORBIDDEN: 'E_FORBIDDEN',
  /** A `since` position that is not { partition, offset } of whole numbers >= 0. */
  INVALID_POSITION: 'E_INVALID_POSITION',
  /** An option this platform cannot honour (handshake headers in a browser), or a value no option takes. */
  INVALID_OPTION: 'E_INVALID_OPTION',
  /** A token would go over ws:// to another machine, where anyone on the path reads it (allowInsecureTransport to insist). */
  INSECURE_TRANSPORT: 'E_INSECURE_TRANSPORT',
} as const;

export const ErrorCode = { ...ServerErrorCode, ...ClientErrorCode } as const;

export type ServerErrorCode = (typeof ServerErrorCode)[keyof typeof ServerErrorCode];
export type ClientErrorCode = (typeof ClientErrorCode)[keyof typeof ClientErrorCode];
/** Any code an OdinError carries (its own name, so the SDK can export its table as ErrorCode). */
export type OdinErrorCode = ServerErrorCode | ClientErrorCode;
export type ErrorCode = OdinErrorCode;
