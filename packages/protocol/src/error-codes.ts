/**
 * Every error a client can receive as `{"type":"error","code":...}`. The descriptions are the
 * documentation: docs/protocol.md lists them from here.
 */
export const ProtocolErrorCode = {
  BAD_JSON: 'BAD_JSON',
  BAD_MESSAGE: 'BAD_MESSAGE',
  UNKNOWN_TYPE: 'UNKNOWN_TYPE',
  INVALID_CHANNEL: 'INVALID_CHANNEL',
  TOO_MANY_CHANNELS: 'TOO_MANY_CHANNELS',
  BINARY_NOT_SUPPORTED: 'BINARY_NOT_SUPPORTED',
  RATE_LIMIT_EXCEEDED: 'RATE_LIMIT_EXCEEDED',
} as const;

export type ProtocolErrorCode = (typeof ProtocolErrorCode)[keyof typeof ProtocolErrorCode];

export const PROTOCOL_ERROR_DESCRIPTIONS: Record<ProtocolErrorCode, string> = {
  BAD_JSON: 'The text frame is not valid JSON.',
  BAD_MESSAGE: 'Valid JSON, but not a message object of the documented shape (missing `type`, wrong field types, empty channel list).',
  UNKNOWN_TYPE: 'The `type` field names no message this server understands.',
  INVALID_CHANNEL: 'A channel name breaks the naming rule (1-128 characters of A-Z a-z 0-9 . _ : -, starting with a letter or digit).',
  TOO_MANY_CHANNELS: 'The request would take the connection past its subscription limit; nothing in the request was subscribed.',
  BINARY_NOT_SUPPORTED: 'A binary frame was received; the protocol is JSON text only.',
  RATE_LIMIT_EXCEEDED: 'The connection sent more messages than its per-second budget; the excess is dropped.',
};
