export type { TickerPageOptions } from './ticker-server.js';
export { startTickerPage } from './ticker-server.js';
