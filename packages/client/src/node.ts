import WebSocket from 'ws';
import { setDefaultWebSocket, type WebSocketConstructor } from './odin-client.js';

// Node 20 has no global WebSocket: `ws` provides the same standard API (text frames as strings).
setDefaultWebSocket(WebSocket as unknown as WebSocketConstructor);

export * from './index.js';
