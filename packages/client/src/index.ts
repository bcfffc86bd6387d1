export { OdinClient } from './odin-client.js';
export type {
  ClientEvents,
  ConnectionState,
  OdinClientOptions,
  ReconnectEvent,
  RecoveryEvent,
  WebSocketConstructor,
  WebSocketLike,
} from './odin-client.js';
export { Subscription } from './subscription.js';
export type { MessageHandler, StreamMessage } from './subscription.js';
export { decideOnClose, DEFAULT_BACKOFF } from './reconnect-policy.js';
export type { BackoffOptions, CloseDecision } from './reconnect-policy.js';
export type { ChannelRecovery, RecoveryFailure, StreamPosition } from '@odin-ws/protocol';
