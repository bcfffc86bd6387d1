/**
 * edge/: where the network meets a shard: the WebSocket handshake admitted or refused
 * (handshake.ts), a socket's uWS behaviour from open to close (client-socket-behavior.ts), and the
 * HTTP routes of the public and ops ports (http-routes.ts).
 */
export { type ClientSocketParts, clientSocketBehavior, closeCodeLabel } from './client-socket-behavior.js';
export { createUpgradeHandler, type HandshakeDeps } from './handshake.js';
export { registerAdminRoutes, registerPublicRoutes } from './http-routes.js';
