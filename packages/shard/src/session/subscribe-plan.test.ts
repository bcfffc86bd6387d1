import { ChannelGrants } from '@odin-ws/auth';
import { buildEnvelope, markSnapshot } from '@odin-ws/protocol';
import { describe, expect, it } from 'vitest';
import { type ChannelForm, offeredForms } from '../delivery/index.js';
import type { RecoveryResult } from '../state/index.js';
import { formChannelsOf, planSubscribe, type SubscribeContext, type SubscribeRequest } from './subscribe-plan.js';

// The plan alone: no sockets, no shard. Channels ending in `.book` are state channels here; the
// history holds BTC.book after offset 10, and the last values hold BTC.book and ETH.book.

const envelope = (channel: string, offset: number) => buildEnvelope({ channel, partition: 0, offset, ts: 1, prev: null, dataJson: `{"n":${offset}}` });
const LATEST: Record<string, string> = { 'BTC.book': envelope('BTC.book', 12), 'ETH.book': envelope('ETH.book', 7) };

function context(overrides: Partial<SubscribeContext> = {}): SubscribeContext {
  return {
    held: new Set(),
    heldForms: undefined,
    grants: undefined,
    maxSubscriptions: 5,
    isStateChannel: (name) => name.split('@')[0]!.endsWith('.book'),
    offered: offeredForms(['fossil', 'deflate', 'compress']),
    allowance: 1 << 20,
    recover: (channel, position): RecoveryResult =>
      channel === 'BTC.book' && position.offset >= 10
        ? { recovered: true, frames: [11, 12].filter((offset) => offset > position.offset).map((offset) => envelope('BTC.book', offset)) }
        : { recovered: false, reason: 'POSITION_TOO_OLD' },
    snapshotOf: (channel) => (LATEST[channel.split('@')[0]!] === undefined ? undefined : markSnapshot(LATEST[channel.split('@')[0]!]!)),
    now: 0,
    ...overrides,
  };
}

const subscribe = (channels: string[], extra: Partial<SubscribeRequest> = {}): SubscribeRequest => ({ type: 'subscribe', channels, ...extra });

describe('planSubscribe: refusals, all or nothing', () => {
  it('refuses a channel the token does not grant, naming it as asked (a variant by its own name)', () => {
    const grants = ChannelGrants.fromClaim(['BTC.*']);
    expect(planSubscribe(subscribe(['BTC.book', 'ETH.book@250ms'], { id: 1 }), context({ grants }))).toEqual({
      ok: false,
      error: expect.objectContaining({ code: 'CHANNEL_NOT_ALLOWED', value: 'ETH.book@250ms', id: 1 }),
    });
    expect(planSubscribe(subscribe(['BTC.book@250ms']), context({ grants })).ok).toBe(true);
  });

  it('refuses a rate variant of a channel that carries no state', () => {
    expect(planSubscribe(subscribe(['BTC.trade@1000ms']), context())).toEqual({
      ok: false,
      error: expect.objectContaining({ code: 'NOT_CONFLATABLE', value: 'BTC.trade@1000ms' }),
    });
  });

  it('refuses past the channel limit, counting only channels not held yet', () => {
    const plan = planSubscribe(subscribe(['A.book', 'B.book', 'C.book']), context({ maxSubscriptions: 3, held: new Set(['Z.book']) }));
    expect(plan).toEqual({ ok: false, error: expect.objectContaining({ code: 'TOO_MANY_CHANNELS', message: expect.stringContaining('would make 4') }) });
    expect(planSubscribe(subscribe(['Z.book', 'A.book', 'B.book']), context({ maxSubscriptions: 3, held: new Set(['Z.book']) })).ok).toBe(true);
  });

  it('checks grants before the rate-variant rule, and both before the limit', () => {
    const grants = ChannelGrants.fromClaim(['BTC.*']);
    const plan = planSubscribe(subscribe(['X.trade@250ms', 'ETH.book', 'A.book']), context({ grants, maxSubscriptions: 1 }));
    expect(plan.ok === false && plan.error.code).toBe('CHANNEL_NOT_ALLOWED');
    const unconflatable = planSubscribe(subscribe(['X.trade@250ms', 'A.book']), context({ maxSubscriptions: 1 }));
    expect(unconflatable.ok === false && unconflatable.error.code).toBe('NOT_CONFLATABLE');
  });
});

describe('planSubscribe: forms', () => {
  it('takes plain envelopes unless asked, and a seed subscribe gets the plain ack', () => {
    const plan = planSubscribe(subscribe(['BTC.trade', 'BTC.book']), context());
    expect(plan).toMatchObject({
      ok: true,
      add: [
        { channel: 'BTC.trade', form: undefined },
        { channel: 'BTC.book', form: undefined },
      ],
      frames: [],
    });
    expect(plan.ok && plan.ack).toEqual({ subscribed: ['BTC.trade', 'BTC.book'], count: 2 });
  });

  it('gives deltas to state channels, compressed frames to the rest, and no form to rate variants', () => {
    const plan = planSubscribe(subscribe(['BTC.book', 'BTC.trade', 'ETH.book@250ms'], { delta: 'deflate', compress: 'deflate' }), context());
    if (!plan.ok) throw new Error('refused');
    expect(plan.add).toEqual([
      { channel: 'BTC.book', form: 'deflate' },
      { channel: 'BTC.trade', form: 'compressed' },
      { channel: 'ETH.book@250ms', form: undefined },
    ]);
    expect(plan.variants).toEqual(['ETH.book@250ms']);
    expect(plan.ack).toMatchObject({ deltas: ['BTC.book'], compressed: ['BTC.trade'], snapshots: ['BTC.book'] });
  });

  it('gives no form the shard does not offer (--delivery-forms), and says so in the ack', () => {
    const plan = planSubscribe(subscribe(['BTC.book', 'BTC.trade'], { delta: 'fossil', compress: 'deflate' }), context({ offered: offeredForms(['deflate']) }));
    expect(plan).toMatchObject({
      ok: true,
      add: [
        { channel: 'BTC.book', form: undefined },
        { channel: 'BTC.trade', form: undefined },
      ],
    });
    expect(plan.ok && plan.ack).toMatchObject({ deltas: [], compressed: [] });
    expect(formChannelsOf(subscribe(['BTC.book', 'BTC.trade'], { delta: 'deflate' }), context({ offered: offeredForms(['deflate']) }))).toBe(1);
    expect(formChannelsOf(subscribe(['BTC.book', 'BTC.trade'], { delta: 'deflate' }), context({ offered: offeredForms([]) }))).toBe(0);
  });

  it('gives a maintained book no delta form (its records are changes already, and a delta needs the previous record as base), compressed frames it may take', () => {
    const isBook = (channel: string) => channel === 'BTC.book';
    const plan = planSubscribe(subscribe(['BTC.book', 'ETH.book'], { delta: 'deflate', compress: 'deflate' }), context({ isBook }));
    expect(plan).toMatchObject({
      ok: true,
      add: [
        { channel: 'BTC.book', form: 'compressed' },
        { channel: 'ETH.book', form: 'deflate' },
      ],
    });
    expect(plan.ok && plan.ack).toMatchObject({ deltas: ['ETH.book'], compressed: ['BTC.book'] });
    const stale = planSubscribe(subscribe(['BTC.book', 'BTC.book@250ms', 'ETH.book']), context({ isBook, isStale: isBook }));
    expect(stale.ok && stale.ack.stale).toEqual(['BTC.book', 'BTC.book@250ms']);
  });

  it('takes a book, or a rate variant of one, at a top-of-book depth, starting from that top-N', () => {
    const isBook = (channel: string) => channel === 'BTC.book';
    const depthSnapshotOf = (name: string, depth: number) => `top ${depth} of ${name}`;
    const plan = planSubscribe(subscribe(['BTC.book', 'BTC.book@250ms', 'ETH.book'], { depth: 10, snapshot: true }), context({ isBook, depthSnapshotOf }));
    expect(plan).toMatchObject({
      ok: true,
      add: [
        { channel: 'BTC.book', form: 'depth10' },
        { channel: 'BTC.book@250ms', form: 'depth10' },
        { channel: 'ETH.book', form: undefined },
      ],
    });
    expect(plan.ok && plan.frames).toEqual(['top 10 of BTC.book', 'top 10 of BTC.book@250ms', markSnapshot(LATEST['ETH.book']!)]);
  });

  it('keeps a held channel in the form it was first taken in, and lists it by that form', () => {
    const heldForms = new Map<string, ChannelForm>([['BTC.book', 'deflate']]);
    const plan = planSubscribe(subscribe(['BTC.book'], { delta: 'fossil' }), context({ held: new Set(['BTC.book']), heldForms }));
    expect(plan).toMatchObject({ ok: true, add: [], ack: { deltas: [], snapshots: [], count: 1 } });
    const again = planSubscribe(subscribe(['BTC.book'], { delta: 'deflate' }), context({ held: new Set(['BTC.book']), heldForms }));
    expect(again.ok && again.ack.deltas).toEqual(['BTC.book']);
  });
});

describe('planSubscribe: replay and snapshots', () => {
  it('sends snapshots of new state channels only when asked or when their form starts from one', () => {
    const asked = planSubscribe(subscribe(['BTC.book', 'BTC.trade', 'SOL.book'], { snapshot: true }), context());
    expect(asked).toMatchObject({ ok: true, ack: { snapshots: ['BTC.book'] }, frames: [markSnapshot(LATEST['BTC.book']!)] });
    const delta = planSubscribe(subscribe(['ETH.book'], { delta: 'fossil' }), context());
    expect(delta).toMatchObject({ ok: true, ack: { snapshots: ['ETH.book'], deltas: ['ETH.book'] } });
    const compressed = planSubscribe(subscribe(['ETH.book'], { compress: 'deflate' }), context());
    expect(compressed).toMatchObject({ ok: true, frames: [] });
    expect(compressed.ok && compressed.ack.snapshots).toBeUndefined();
  });

  it('replays what the history has, and snapshots only the channels whose replay failed', () => {
    const since = { 'BTC.book': { partition: 0, offset: 10 }, 'ETH.book': { partition: 0, offset: 1 } };
    const plan = planSubscribe(subscribe(['BTC.book', 'ETH.book'], { since, snapshot: true }), context());
    if (!plan.ok) throw new Error('refused');
    expect(plan.ack.recovery).toEqual({ 'BTC.book': { recovered: true, replayed: 2 }, 'ETH.book': { recovered: false, reason: 'POSITION_TOO_OLD' } });
    expect(plan.ack.snapshots).toEqual(['ETH.book']);
    expect(plan.frames).toEqual([envelope('BTC.book', 11), envelope('BTC.book', 12), markSnapshot(LATEST['ETH.book']!)]);
    expect(plan.bytes).toBe(plan.frames.reduce((sum, frame) => sum + frame.length, 0));
  });

  it("keeps replay and snapshots within the connection's allowance", () => {
    const one = envelope('BTC.book', 11).length;
    const since = { 'BTC.book': { partition: 0, offset: 11 } };
    const plan = planSubscribe(subscribe(['BTC.book', 'ETH.book'], { since, snapshot: true }), context({ allowance: one + 10 }));
    expect(plan).toMatchObject({ ok: true, ack: { snapshots: [] }, frames: [envelope('BTC.book', 12)] });
    const none = planSubscribe(subscribe(['BTC.book'], { since: { 'BTC.book': { partition: 0, offset: 10 } } }), context({ allowance: 0 }));
    expect(none.ok && none.ack.recovery).toEqual({ 'BTC.book': { recovered: false, reason: 'REPLAY_TOO_LARGE' } });
  });

  it('replays nothing for a channel already held: it has been streaming live', () => {
    const plan = planSubscribe(subscribe(['BTC.book'], { since: { 'BTC.book': { partition: 0, offset: 10 } } }), context({ held: new Set(['BTC.book']) }));
    expect(plan).toMatchObject({ ok: true, frames: [], ack: { recovery: { 'BTC.book': { recovered: true, replayed: 0 } } } });
  });
});
