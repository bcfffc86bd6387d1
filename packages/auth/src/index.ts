export { ChannelGrants } from './channel-grants.js';
export { ConnectionCap, perWorkerCap } from './connection-cap.js';
export type { Identity, TokenVerifier, Verification } from './token-verifier.js';
export { createTokenVerifier } from './token-verifier.js';
