/**
 * intake/: a client's handshake before any shard is involved: read straight off the socket
 * (handshake-intake.ts, plain-handshake.ts), the client's address (client-address.ts), admission
 * that queues instead of refusing (admission.ts), and the HTTP answers to what is not a handshake.
 */
export { AdmissionControl, type AdmissionOptions, type AdmissionResult, perWorkerAdmission } from './admission.js';
export { AuthFailureLimiter } from './auth-failures.js';
export { createClientAddressResolver } from './client-address.js';
export { type PlainHandshakeListener, takePlainHandshakes } from './handshake-intake.js';
export { answerClientError, endWithJson, handshakeProblemOf } from './http-answers.js';
export { type HandshakeRequest, pathOf } from './plain-handshake.js';
export { clusterUserConnections, localUserConnections, serveUserConnections, type UserConnections } from './user-connections.js';
