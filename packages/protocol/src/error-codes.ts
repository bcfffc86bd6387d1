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
} as const;

export type ProtocolErrorCode = (typeof ProtocolErrorCode)[keyof typeof ProtocolErrorCode];
