/**
 * Every error a client can receive as `{"type":"error","code":...}`. docs/protocol.md describes
 * each; a test keeps the two in step.
 */
export const ProtocolErrorCode = {
  BAD_JSON: 'BAD_JSON',
  BAD_MESSAGE: 'BAD_MESSAGE',
  UNKNOWN_TYPE: 'UNKNOWN_TYPE',
  INVALID_CHANNEL: 'INVALID_CHANNEL',
  INVALID_POSITION: 'INVALID_POSITION',
  TOO_MANY_CHANNELS: 'TOO_MANY_CHANNELS',
  BINARY_NOT_SUPPORTED: 'BINARY_NOT_SUPPORTED',
  RATE_LIMIT_EXCEEDED: 'RATE_LIMIT_EXCEEDED',
  /** A subscribe (or resume) named a channel the connection's token does not grant: nothing of that request was subscribed. */
  CHANNEL_NOT_ALLOWED: 'CHANNEL_NOT_ALLOWED',
  /** A rate variant (`<channel>@<n>ms`) of a channel that carries no state (a trade channel): nothing of that request was subscribed. */
  NOT_CONFLATABLE: 'NOT_CONFLATABLE',
  /** A refresh carried a token that does not verify (the code of the 401 it would have had is in `value`). */
  TOKEN_REFUSED: 'TOKEN_REFUSED',
  /** A refresh on a server that does not check tokens. */
  AUTH_DISABLED: 'AUTH_DISABLED',
} as const;

export type ProtocolErrorCode = (typeof ProtocolErrorCode)[keyof typeof ProtocolErrorCode];
