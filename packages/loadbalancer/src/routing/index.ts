/**
 * routing/: where a handshake is routed. HandshakeRouter.route reads top to bottom: checked,
 * admitted, dialed to the best shard with retry across the others, spliced, or refused with a close
 * frame that tells the client when to retry.
 */
export { HandshakeRouter, type HandshakeRouterOptions } from './handshake-router.js';
