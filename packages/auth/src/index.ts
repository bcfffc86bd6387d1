export { ChannelGrants } from './channel-grants.js';
export type { Identity, TokenVerifier, Verification } from './token-verifier.js';
export { createTokenVerifier } from './token-verifier.js';
