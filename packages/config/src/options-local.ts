import { option } from './option-spec.js';
import { integer, list } from './parsers.js';

/** Local mode and the demo feed. */
export const LOCAL_OPTIONS = [
  option({
    key: 'webPort',
    flag: '--web-port <port>',
    env: 'ODIN_WEB_PORT',
    description: 'port of the live ticker page (built on the client SDK) that local mode serves',
    defaultValue: 3000,
    parse: integer(1, 65535),
    modes: ['local'],
  }),
  option({
    key: 'shards',
    flag: '--shards <n>',
    env: 'ODIN_SHARDS',
    description: 'shard processes to start',
    defaultValue: 3,
    parse: integer(1, 64),
    modes: ['local'],
  }),
  option({
    key: 'symbols',
    flag: '--symbols <list>',
    env: 'ODIN_FEED_SYMBOLS',
    description: 'symbols the demo feed trades',
    defaultValue: ['BTC', 'ETH', 'SOL', 'DOGE', 'PEPE', 'ADA', 'XRP', 'AVAX'],
    parse: list(),
    modes: ['feed', 'local'],
  }),
  option({
    key: 'rate',
    flag: '--rate <n>',
    env: 'ODIN_FEED_RATE',
    description: 'records per second the demo feed produces, over all topics',
    defaultValue: 100,
    parse: integer(1, 1_000_000),
    modes: ['feed', 'local'],
  }),
  option({
    key: 'duration',
    flag: '--duration <s>',
    env: 'ODIN_FEED_DURATION',
    description: 'seconds the demo feed runs (0: until stopped)',
    defaultValue: 0,
    parse: integer(0, 31_536_000),
    modes: ['feed'],
  }),
] as const;
