import WebSocket from 'ws';
import type { WebSocketConstructor } from './client-types.js';
import { setDefaultWebSocket } from './odin-client.js';

// `ws` on every Node, also where the platform has a WebSocket of its own (Node 22+): it sends
// handshake headers (the token as Authorization: Bearer, not in the URL) and names a refused
// handshake's HTTP status, which the standard API hides.
setDefaultWebSocket(WebSocket as unknown as WebSocketConstructor);

export * from './index.js';
