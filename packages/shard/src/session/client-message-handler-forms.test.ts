import { buildEnvelope } from '@odin-ws/protocol';
import { describe, expect, it } from 'vitest';
import { handlerRig, withGrants } from '../../test-support/message-handler-rig.js';

// The handler with its real collaborators, only the uWS socket faked (test-support/message-handler-rig.ts):
// the delivery forms a subscribe asks for, deltas and rate variants.

describe('ClientMessageHandler: deltas', () => {
  const envelope = (channel: string, offset: number) => buildEnvelope({ channel, partition: 0, offset, ts: 1, prev: null, dataJson: `{"n":${offset}}` });
  const latest = (channel: string, offset: number) => ({ envelope: envelope(channel, offset), partition: 0, offset });

  it('holds a state channel on its delta topic, starts it from a full snapshot unasked, and lets go of that topic on unsubscribe', () => {
    const { ws, send, lastValues } = handlerRig();
    lastValues.record('BTC.trade', latest('BTC.trade', 5));
    send({ type: 'subscribe', data: { channels: ['BTC.trade', 'BTC.quote'], delta: 'fossil' }, id: 'd' });
    expect(ws.sent).toEqual([
      { type: 'subscription_ack', subscribed: ['BTC.trade', 'BTC.quote'], count: 2, snapshots: ['BTC.trade'], deltas: ['BTC.trade'], id: 'd' },
      { type: 'price:update', snapshot: true, channel: 'BTC.trade', pos: { partition: 0, offset: 5 }, ts: 1, prev: null, data: { n: 5 } },
    ]);
    expect([...ws.topics].sort()).toEqual(['BTC.quote', 'BTC.trade|fossil']);
    send({ type: 'unsubscribe', data: { channels: ['BTC.trade', 'BTC.quote'] } });
    expect([...ws.topics]).toEqual([]);
  });

  it('holds deflate deltas on their own topic, and keeps a channel on the format it was first subscribed with', () => {
    const { ws, send, lastValues } = handlerRig();
    lastValues.record('BTC.trade', latest('BTC.trade', 5));
    send({ type: 'subscribe', data: { channels: ['BTC.trade'], delta: 'deflate' }, id: 'z' });
    expect(ws.sent[0]).toEqual({ type: 'subscription_ack', subscribed: ['BTC.trade'], count: 1, snapshots: ['BTC.trade'], deltas: ['BTC.trade'], id: 'z' });
    expect([...ws.topics]).toEqual(['BTC.trade|deflate']);
    // Asking again in the other format changes nothing: the ack lists no channel with fossil deltas.
    send({ type: 'subscribe', data: { channels: ['BTC.trade'], delta: 'fossil' }, id: 'f' });
    expect(ws.sent.at(-1)).toEqual({ type: 'subscription_ack', subscribed: ['BTC.trade'], count: 1, snapshots: [], deltas: [], id: 'f' });
    expect([...ws.topics]).toEqual(['BTC.trade|deflate']);
    send({ type: 'unsubscribe', data: { channels: ['BTC.trade'] } });
    expect([...ws.topics]).toEqual([]);
  });

  it('holds compressed channels on their own topic, except state channels that take deltas and rate variants', () => {
    const { ws, send, subscriptions } = handlerRig();
    send({ type: 'subscribe', data: { channels: ['BTC.trade', 'ETH.quote', 'BTC.trade@1000ms'], delta: 'deflate', compress: 'deflate' }, id: 'c' });
    expect(ws.sent[0]).toEqual({
      type: 'subscription_ack',
      subscribed: ['BTC.trade', 'ETH.quote', 'BTC.trade@1000ms'],
      count: 3,
      snapshots: [],
      deltas: ['BTC.trade'],
      compressed: ['ETH.quote'],
      id: 'c',
    });
    expect([...ws.topics].sort()).toEqual(['BTC.trade@1000ms', 'BTC.trade|deflate', 'ETH.quote|compressed']);
    expect(subscriptions.isHeld('compressed')).toBe(true);
    send({ type: 'unsubscribe', data: { channels: ['ETH.quote'] } });
    expect([...ws.topics].sort()).toEqual(['BTC.trade@1000ms', 'BTC.trade|deflate']);
    expect(subscriptions.isHeld('compressed')).toBe(false);
    // A close releases them too: records stop looking for compressed subscribers.
    send({ type: 'subscribe', data: { channels: ['ETH.quote'], compress: 'deflate' } });
    expect(subscriptions.isHeld('compressed')).toBe(true);
    subscriptions.release(ws.state);
    expect(subscriptions.isHeld('compressed')).toBe(false);
  });

  it('refuses a compression it does not know', () => {
    const { ws, send } = handlerRig();
    send({ type: 'subscribe', data: { channels: ['BTC.trade'], compress: 'gzip' }, id: 'g' });
    expect(ws.sent).toEqual([expect.objectContaining({ type: 'error', code: 'BAD_MESSAGE', id: 'g' })]);
  });

  it('refuses a delta format it does not know', () => {
    const { ws, send } = handlerRig();
    send({ type: 'subscribe', data: { channels: ['BTC.trade'], delta: 'xdelta' }, id: 'x' });
    expect(ws.sent).toEqual([expect.objectContaining({ type: 'error', code: 'BAD_MESSAGE', id: 'x' })]);
  });
});

describe('ClientMessageHandler: rate variants', () => {
  const envelope = (channel: string, offset: number) => buildEnvelope({ channel, partition: 0, offset, ts: 1, prev: null, dataJson: `{"n":${offset}}` });
  const latest = (channel: string, offset: number) => ({ envelope: envelope(channel, offset), partition: 0, offset });

  it("subscribes a state channel's variant, snapshots it under the variant's name, and starts its interval", () => {
    const { ws, send, lastValues, conflator, variantPublishes } = handlerRig();
    lastValues.record('BTC.trade', latest('BTC.trade', 9));
    send({ type: 'subscribe', data: { channels: ['BTC.trade@1000ms'], snapshot: true } });
    expect(ws.sent).toEqual([
      { type: 'subscription_ack', subscribed: ['BTC.trade@1000ms'], count: 1, snapshots: ['BTC.trade@1000ms'] },
      { type: 'price:update', snapshot: true, channel: 'BTC.trade@1000ms', pos: { partition: 0, offset: 9 }, ts: 1, prev: null, data: { n: 9 } },
    ]);
    expect([...ws.topics]).toEqual(['BTC.trade@1000ms']);
    // The subscriber holds record 9: a tick with nothing newer sends nothing; the next names 9 as its prev.
    conflator.updated('BTC.trade');
    conflator.tick(1000);
    expect(variantPublishes).toEqual([]);
    lastValues.record('BTC.trade', latest('BTC.trade', 12));
    conflator.updated('BTC.trade');
    conflator.tick(1000);
    expect(variantPublishes.map(({ topic, frame }) => [topic, JSON.parse(frame)])).toEqual([
      ['BTC.trade@1000ms', { type: 'price:update', channel: 'BTC.trade@1000ms', pos: { partition: 0, offset: 12 }, ts: 1, prev: 9, data: { n: 12 } }],
    ]);
    conflator.close();
  });

  it('refuses, whole, a variant of a channel that carries no state (NOT_CONFLATABLE)', () => {
    const { ws, send } = handlerRig();
    send({ type: 'subscribe', data: { channels: ['BTC.trade', 'BTC.quote@1000ms'] }, id: 'v' });
    expect(ws.sent).toEqual([expect.objectContaining({ type: 'error', code: 'NOT_CONFLATABLE', value: 'BTC.quote@1000ms', id: 'v' })]);
    expect([...ws.topics]).toEqual([]);
  });

  it('grants a variant with the channel it conflates, and names the variant when refusing it', () => {
    const { ws, send } = handlerRig();
    withGrants(ws, ['BTC.*']);
    send({ type: 'subscribe', data: { channels: ['BTC.trade@250ms'] } });
    send({ type: 'subscribe', data: { channels: ['ETH.trade@250ms'] }, id: 'e' });
    expect(ws.sent).toEqual([
      expect.objectContaining({ type: 'subscription_ack', subscribed: ['BTC.trade@250ms'] }),
      expect.objectContaining({ type: 'error', code: 'CHANNEL_NOT_ALLOWED', value: 'ETH.trade@250ms', id: 'e' }),
    ]);
  });
});
