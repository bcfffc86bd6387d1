export { ChannelGrants, MAX_GLOBS, MAX_MIDDLE_PARTS, MAX_PATTERNS, MAX_STARS_PER_PATTERN } from './channel-grants.js';
export { ConnectionCap, perWorkerCap } from './connection-cap.js';
export { PrincipalBudgets } from './principal-budgets.js';
export type { Identity, TokenVerifier, Verification } from './token-verifier.js';
export { createTokenVerifier } from './token-verifier.js';
