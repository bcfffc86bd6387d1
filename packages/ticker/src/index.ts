export { startTickerPage } from './ticker-server.js';
export type { TickerPageOptions } from './ticker-server.js';
