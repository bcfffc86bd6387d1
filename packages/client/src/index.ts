export { ClientErrorCode as ErrorCode, OdinError } from '@odin-ws/errors';
export type { ChannelRecovery, RecoveryFailure, StreamPosition } from '@odin-ws/protocol';
export type {
  ClientEvents,
  ConnectionState,
  OdinClientOptions,
  ReconnectEvent,
  RecoveryEvent,
  WebSocketConstructor,
  WebSocketLike,
} from './client-types.js';
export type { ConnectionRefusal } from './connection-refusal.js';
export type { ClientError, ClientErrorDetails, ServerCode } from './errors.js';
export { UnauthorizedError } from './errors.js';
export type { OrderBookView } from './local-book.js';
export { OdinClient } from './odin-client.js';
export type { BackoffOptions, CloseDecision } from './reconnect-policy.js';
export { DEFAULT_BACKOFF, decideOnClose } from './reconnect-policy.js';
export type { MessageHandler, StreamMessage, SubscribeOptions, SubscriptionEvents, SubscriptionState } from './subscription.js';
export { Subscription } from './subscription.js';
