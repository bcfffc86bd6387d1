/**
 * platform/: what odin-ws runs on: the supported Node (runtime.ts), the native uWebSockets.js
 * binary loaded and checked for it (uws.ts), and listening with it (uws-listen.ts). Every other
 * folder takes uWS types from here, never from the package itself.
 */
export { assertSupportedNode, runtimeGlibc, SUPPORTED_RUNTIME } from './runtime.js';
export type { HttpRequest, HttpResponse, TemplatedApp, Uws, UwsTarget, us_listen_socket, us_socket_context_t, WebSocket } from './uws.js';
export { loadNativeUws, sha256OfFile, UWS_PACKAGE, uwsBinaryPath } from './uws.js';
export { listenOn } from './uws-listen.js';
