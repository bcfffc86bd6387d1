import { describe, expect, it } from 'vitest';
import { ChannelMapper } from './channel-mapper.js';
import { recordToFrame } from './record-to-frame.js';

describe('ChannelMapper', () => {
  const mapper = new ChannelMapper({ 'odin.trades': 'trade' });

  it('maps record key and topic to the seed channel names', () => {
    expect(mapper.channelFor('odin.trades', Buffer.from('BTC'))).toEqual({ ok: true, channel: 'BTC.trade' });
    expect(mapper.channelFor('odin.liquidity', Buffer.from('ETH'))).toEqual({ ok: true, channel: 'ETH.liquidity' });
  });

  it.each([
    ['no key', null, 'missing_key'],
    ['an empty key', Buffer.alloc(0), 'missing_key'],
    ['a key with spaces', Buffer.from('B T C'), 'invalid_key'],
    ['a key with JSON-breaking characters', Buffer.from('x","admin":true,"'), 'invalid_key'],
    ['a non-ASCII key', Buffer.from('BTC\u00e9'), 'invalid_key'],
    ['an overlong key', Buffer.alloc(200, 0x41), 'invalid_key'],
  ])('refuses %s', (_label, key, reason) => {
    expect(mapper.channelFor('odin.trades', key)).toEqual({ ok: false, reason });
  });
});

describe('recordToFrame', () => {
  const record = (value: string | Buffer | null, timestamp = 5) => ({
    topic: 'odin.trades',
    partition: 1,
    offset: 9,
    key: Buffer.from('BTC'),
    timestamp,
    value: value === null ? null : Buffer.isBuffer(value) ? value : Buffer.from(value),
  });

  it('uses the producer timestamp from the seed value, else the Kafka timestamp', () => {
    const withTs = recordToFrame(record('{"timestamp":1700000000000,"data":{}}'), 'BTC.trade', 1024, null);
    expect(withTs.ok && JSON.parse(withTs.frame).ts).toBe(1700000000000);
    const withoutTs = recordToFrame(record('[1,2]', 42), 'BTC.trade', 1024, null);
    expect(withoutTs.ok && JSON.parse(withoutTs.frame)).toMatchObject({ ts: 42, data: [1, 2], pos: { partition: 1, offset: 9 } });
  });

  it.each([
    ['null', null, 'empty_value'],
    ['empty', '', 'empty_value'],
    ['not JSON', 'not json', 'invalid_json'],
    ['truncated JSON', '{"a":', 'invalid_json'],
    ['oversized', `{"pad":"${'x'.repeat(2000)}"}`, 'oversized'],
  ])('drops a %s value', (_label, value, reason) => {
    expect(recordToFrame(record(value), 'BTC.trade', 1024, null)).toEqual({ ok: false, reason });
  });

  it('turns invalid UTF-8 inside a JSON string into U+FFFD, never into an invalid frame', () => {
    const result = recordToFrame(record(Buffer.from([0x22, 0xff, 0xfe, 0x22])), 'BTC.trade', 1024, null);
    expect(result.ok && JSON.parse(result.frame).data).toBe('\ufffd\ufffd');
  });
});
