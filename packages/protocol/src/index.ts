export type { ClientRefusalCode, TokenLocation } from './auth.js';
export { AuthErrorCode, MAX_TOKEN_LENGTH, tokenFromHandshake } from './auth.js';
export type { BookDepth, BookLevel, BookRecord, BookRecordProblem } from './book.js';
export {
  ascending,
  BOOK_CHECKSUM_LEVELS,
  BOOK_DEPTHS,
  BookRecordType,
  bookChecksum,
  compareDecimals,
  crc32,
  decimalKey,
  descending,
  findLevel,
  isZeroQuantity,
  readBookRecord,
  setLevel,
} from './book.js';
export {
  baseChannelOf,
  isValidChannel,
  isValidSubscriptionName,
  MAX_CHANNEL_LENGTH,
  parseRateVariant,
  RATE_VARIANT_INTERVALS_MS,
  rateVariantName,
} from './channel.js';
export type { ClientRequest, DecodeFailure, DecodeResult, DeltaFormat, RequestId } from './client-messages.js';
export { DELTA_FORMATS, decodeClientMessage } from './client-messages.js';
export type { ClientRefusal } from './client-refusal.js';
export { clientRefusalClose, clientRefusalHttp, missingTokenRefusal, ORIGIN_REFUSAL, refusesWithCloseFrame, tokenRefusal } from './client-refusal.js';
export type { CloseReason, CloseReasonCode } from './close-codes.js';
export { CloseCode, formatCloseReason, parseCloseReason } from './close-codes.js';
export type { Envelope, EnvelopeFields } from './envelope.js';
export {
  buildDeltaEnvelope,
  buildEnvelope,
  DATA_MESSAGE_TYPE,
  envelopeDataJson,
  markSnapshot,
  renameEnvelopeChannel,
  setEnvelopePrev,
  unmarkSnapshot,
} from './envelope.js';
export { ProtocolErrorCode } from './error-codes.js';
export type { HandshakeHeaders, HandshakeProblem } from './handshake.js';
export { checkWebSocketHandshake, HANDSHAKE_STATUS_LINES } from './handshake.js';
export type { ShardHealthReport, ShardLoadReport, ShardStatus } from './health-report.js';
export { parseShardHealthReport, parseShardLoadReport, SHARD_LOAD_PATH, SHARD_STATUSES, shardLoadReportOf } from './health-report.js';
export { HttpErrorCode, notFoundBody, WEBSOCKET_PATH } from './http-answers.js';
export type { ChannelRecovery, RecoveryFailure, StreamPosition } from './recovery.js';
export { withId } from './request-id.js';
export { drainReconnectMs, RetryHints, retryAfterHeader } from './retry-hints.js';
export type { ServerMessage } from './server-message-decoder.js';
export { decodeServerMessage } from './server-message-decoder.js';
export type { SubscriptionAck } from './server-messages.js';
export {
  encodeError,
  encodePong,
  encodeReconnectError,
  encodeRefreshAck,
  encodeSubscriptionAck,
  encodeTokenExpiring,
  encodeUnsubscriptionAck,
} from './server-messages.js';
export type { ShardRefusalAnswer } from './shard-refusal.js';
export { readShardRefusal, SHARD_REFUSAL_HEADER, ShardRefusalCode, shardRefusalAnswer } from './shard-refusal.js';
export { answeredSubprotocol, BEARER_SUBPROTOCOL_PREFIX, bearerSubprotocols, ODIN_SUBPROTOCOL, offeredSubprotocols } from './subprotocols.js';
export type { ZlibFrame } from './zlib-frame.js';
export { adler32, ENVELOPE_DICTIONARY, readZlibFrame, ZlibFrameKind, zlibFrameDictionary, zlibFrameHeader, zlibStreamMatches } from './zlib-frame.js';
