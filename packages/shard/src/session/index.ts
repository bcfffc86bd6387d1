/**
 * session/: a connection's life after its handshake: its state (client-state.ts), what it holds
 * (subscriptions.ts), each frame it sends answered (client-message-handler.ts, with subscribes
 * decided by subscribe-plan.ts), and the guards that close it: slow clients, token expiry, drain.
 */
export { ClientMessageHandler, type ClientMessageHandlerOptions } from './client-message-handler.js';
export { type ClientSocket, type ClientState, newClientState, takeMessageTokens } from './client-state.js';
export { ConnectionSet } from './connections.js';
export { closeClientsPaced } from './drain.js';
export { SlowClientGuard } from './slow-clients.js';
export { SubjectReplayBudgets } from './subject-replay-budgets.js';
export { type AddedChannel, planSubscribe, type SubscribeContext, type SubscribePlan, type SubscribeRequest } from './subscribe-plan.js';
export { SubscriptionIndex } from './subscriptions.js';
export { TokenExpiry } from './token-expiry.js';
