export { MAX_CHANNEL_LENGTH, isValidChannel } from './channel.js';
export { ProtocolErrorCode } from './error-codes.js';
export { decodeClientMessage } from './client-messages.js';
export type { ClientRequest, DecodeFailure, DecodeResult, RequestId } from './client-messages.js';
export {
  encodeError,
  encodePong,
  encodeReconnectError,
  encodeSubscriptionAck,
  encodeUnsubscriptionAck,
} from './server-messages.js';
export { DATA_MESSAGE_TYPE, buildEnvelope } from './envelope.js';
export type { Envelope, EnvelopeFields } from './envelope.js';
export { CloseCode, formatCloseReason, parseCloseReason } from './close-codes.js';
export type { CloseReason, CloseReasonCode } from './close-codes.js';
export type { ChannelRecovery, RecoveryFailure, StreamPosition } from './recovery.js';
export { HANDSHAKE_STATUS_LINES, checkWebSocketHandshake } from './handshake.js';
export type { HandshakeHeaders, HandshakeProblem } from './handshake.js';
