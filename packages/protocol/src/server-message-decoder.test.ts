import { describe, expect, it } from 'vitest';
import { buildEnvelope } from './envelope.js';
import { decodeServerMessage } from './server-message-decoder.js';
import { encodeError, encodePong, encodeReconnectError, encodeSubscriptionAck, encodeUnsubscriptionAck } from './server-messages.js';

describe('decodeServerMessage', () => {
  it('reads every message the server writes', () => {
    const envelope = buildEnvelope({ channel: 'BTC.trade', partition: 3, offset: 1042, ts: 17, prev: 1040, dataJson: '{"price":1}' });
    expect(decodeServerMessage(envelope)).toEqual({
      type: 'price:update',
      channel: 'BTC.trade',
      pos: { partition: 3, offset: 1042 },
      ts: 17,
      prev: 1040,
      data: { price: 1 },
    });
    expect(
      decodeServerMessage(
        encodeSubscriptionAck({ subscribed: ['BTC.trade'], count: 1, id: 's1', recovery: { 'BTC.trade': { recovered: true, replayed: 2 } } }),
      ),
    ).toEqual({
      type: 'subscription_ack',
      subscribed: ['BTC.trade'],
      count: 1,
      recovery: { 'BTC.trade': { recovered: true, replayed: 2 } },
      id: 's1',
    });
    expect(decodeServerMessage(encodeUnsubscriptionAck(['BTC.trade'], 0))).toMatchObject({ type: 'unsubscription_ack', unsubscribed: ['BTC.trade'], count: 0 });
    expect(decodeServerMessage(encodePong(5, 7))).toEqual({ type: 'pong', ts: 5, id: 7 });
    expect(decodeServerMessage(encodeError({ code: 'INVALID_CHANNEL', message: 'bad', value: 'x y' }))).toEqual({
      type: 'error',
      code: 'INVALID_CHANNEL',
      message: 'bad',
      value: 'x y',
    });
    expect(decodeServerMessage(encodeReconnectError('use since'))).toEqual({ type: 'reconnect_error', message: 'use since' });
  });

  it.each([
    ['not JSON', '{"type":'],
    ['an array', '[1,2]'],
    ['an unknown type', '{"type":"welcome"}'],
    ['a data message without a position', '{"type":"price:update","channel":"BTC.trade","ts":1,"data":{}}'],
    ['a data message with a negative offset', '{"type":"price:update","channel":"BTC.trade","pos":{"partition":0,"offset":-1},"ts":1,"data":{}}'],
    ['a data message without a channel', '{"type":"price:update","pos":{"partition":0,"offset":1},"ts":1,"data":{}}'],
    ['an ack whose channels are not strings', '{"type":"subscription_ack","subscribed":[1],"count":1}'],
    ['an ack whose recovery is not an object', '{"type":"subscription_ack","subscribed":[],"count":0,"recovery":[]}'],
    ['an error without a code', '{"type":"error","message":"x"}'],
    ['a pong without a time', '{"type":"pong"}'],
  ])('returns nothing for %s', (_label, text) => {
    expect(decodeServerMessage(text)).toBeUndefined();
  });
});
