export type { FeedOptions } from './feed-loop.js';
export { runFeed } from './feed-loop.js';
export type { MarketRecord, RecordKind } from './market-data.js';
export { MarketDataGenerator } from './market-data.js';
