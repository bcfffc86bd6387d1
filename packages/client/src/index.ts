export type { ChannelRecovery, RecoveryFailure, StreamPosition } from '@odin-ws/protocol';
export type {
  ClientEvents,
  ConnectionState,
  OdinClientOptions,
  ReconnectEvent,
  RecoveryEvent,
  WebSocketConstructor,
  WebSocketLike,
} from './odin-client.js';
export { OdinClient } from './odin-client.js';
export type { BackoffOptions, CloseDecision } from './reconnect-policy.js';
export { DEFAULT_BACKOFF, decideOnClose } from './reconnect-policy.js';
export type { MessageHandler, StreamMessage, SubscriptionEvents, SubscriptionState } from './subscription.js';
export { Subscription } from './subscription.js';
