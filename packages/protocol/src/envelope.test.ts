import { describe, expect, it } from 'vitest';
import { formatCloseReason, parseCloseReason } from './close-codes.js';
import { buildEnvelope, type Envelope, setEnvelopePrev } from './envelope.js';
import { encodeError, encodeSubscriptionAck } from './server-messages.js';

describe('buildEnvelope', () => {
  it('produces one JSON document with the payload embedded unchanged', () => {
    const data = '{"type":"TRADE_EXECUTED","timestamp":1700000000000,"data":{"price":"101.5","qty":2}}';
    const text = buildEnvelope({ channel: 'BTC.trade', partition: 3, offset: 1042, ts: 1700000000000, prev: 1037, dataJson: data });
    const envelope = JSON.parse(text) as Envelope;
    expect(envelope).toEqual({
      type: 'price:update',
      channel: 'BTC.trade',
      pos: { partition: 3, offset: 1042 },
      ts: 1700000000000,
      prev: 1037,
      data: JSON.parse(data),
    });
    expect(text.endsWith(`"ts":1700000000000,"prev":1037,"data":${data}}`)).toBe(true);
    expect(JSON.parse(buildEnvelope({ channel: 'BTC.trade', partition: 3, offset: 1042, ts: 1, prev: null, dataJson: '1' })).prev).toBeNull();
  });

  it('sets another prev in place (a rate variant follows its own previous message), whatever the data holds', () => {
    const data = JSON.stringify({ note: ',"prev":5,' });
    const text = buildEnvelope({ channel: 'BTC.ticker', partition: 0, offset: 9, ts: 1, prev: 8, dataJson: data });
    expect(setEnvelopePrev(text, 4)).toBe(text.replace('"prev":8', '"prev":4'));
    expect(JSON.parse(setEnvelopePrev(text, null))).toMatchObject({ prev: null, data: JSON.parse(data) });
  });
});

describe('close reasons', () => {
  it('round-trip and stay under the 123-byte close-frame limit', () => {
    const text = formatCloseReason({ code: 'NO_SHARD_AVAILABLE', retryMs: 123456.7 });
    expect(Buffer.byteLength(text)).toBeLessThanOrEqual(123);
    expect(parseCloseReason(text)).toEqual({ code: 'NO_SHARD_AVAILABLE', retryMs: 123457 });
    expect(parseCloseReason(formatCloseReason({ code: 'SLOW_CONSUMER' }))).toEqual({ code: 'SLOW_CONSUMER' });
  });

  it('ignore reasons that are not ours', () => {
    expect(parseCloseReason('')).toBeUndefined();
    expect(parseCloseReason('bye')).toBeUndefined();
    expect(parseCloseReason('{"retryMs":5}')).toBeUndefined();
  });
});

describe('server messages', () => {
  it('keep the seed field names', () => {
    expect(JSON.parse(encodeSubscriptionAck({ subscribed: ['A'], count: 3, id: 'q' }))).toEqual({
      type: 'subscription_ack',
      subscribed: ['A'],
      count: 3,
      id: 'q',
    });
    expect(JSON.parse(encodeError({ code: 'BAD_JSON', message: 'm' }))).toEqual({ type: 'error', code: 'BAD_JSON', message: 'm' });
  });
});
