import { ChannelGrants, type TokenVerifier } from '@odin-ws/auth';
import { buildEnvelope } from '@odin-ws/protocol';
import { describe, expect, it } from 'vitest';
import { handlerRig, RATE, TOPIC, withGrants } from '../../test-support/message-handler-rig.js';
import { SubjectReplayBudgets } from './subject-replay-budgets.js';

// The handler with its real collaborators, only the uWS socket faked (test-support/message-handler-rig.ts):
// subscribes, resumes, what they cost, snapshots, limits, refresh. Deltas and rate variants: client-message-handler-forms.test.ts.

describe('ClientMessageHandler: subscribe is all or nothing', () => {
  it('refuses a whole request when one channel is not granted, and subscribes none of it', () => {
    const { ws, send } = handlerRig();
    withGrants(ws, ['BTC.*']);
    send({ type: 'subscribe', channels: ['BTC.trade', 'ETH.trade'], id: 1 });
    expect(ws.sent).toEqual([expect.objectContaining({ type: 'error', code: 'CHANNEL_NOT_ALLOWED', value: 'ETH.trade', id: 1 })]);
    expect([...ws.topics]).toEqual([]);
    expect([...ws.state.channels]).toEqual([]);
  });

  it('refuses a whole request that would pass the channel limit, then takes one that fits', () => {
    const { ws, send } = handlerRig({ maxChannels: 2 });
    send({ type: 'subscribe', channels: ['A.trade', 'B.trade', 'C.trade'] });
    expect(ws.sent.at(-1)).toMatchObject({ type: 'error', code: 'TOO_MANY_CHANNELS' });
    expect([...ws.topics]).toEqual([]);
    send({ type: 'subscribe', channels: ['A.trade', 'B.trade'] });
    expect(ws.sent.at(-1)).toEqual({ type: 'subscription_ack', subscribed: ['A.trade', 'B.trade'], count: 2 });
    expect([...ws.topics]).toEqual(['A.trade', 'B.trade']);
  });

  it('unsubscribes only what it holds, and says how many remain', () => {
    const { ws, send } = handlerRig();
    send({ type: 'subscribe', channels: ['A.trade', 'B.trade'] });
    send({ type: 'unsubscribe', channels: ['A.trade', 'Z.trade'], id: 'u' });
    expect(ws.sent.at(-1)).toEqual({ type: 'unsubscription_ack', unsubscribed: ['A.trade'], count: 1, id: 'u' });
    expect([...ws.topics]).toEqual(['B.trade']);
  });
});

describe('ClientMessageHandler: resume', () => {
  it('answers the ack with its recovery, then exactly the records after the position, in order', () => {
    const { ws, send, history } = handlerRig();
    for (const offset of [101, 104, 107]) history.append('BTC.trade', TOPIC, 0, offset, `f${offset}`, Date.now());
    send({ type: 'subscribe', channels: ['BTC.trade'], since: { 'BTC.trade': { partition: 0, offset: 101 } } });
    expect(ws.sent).toEqual([
      { type: 'subscription_ack', subscribed: ['BTC.trade'], count: 1, recovery: { 'BTC.trade': { recovered: true, replayed: 2 } } },
      'f104',
      'f107',
    ]);
  });

  it('answers the requests sent while a resume past the partition end waits, after it and in order', async () => {
    const { ws, send } = handlerRig();
    send({ type: 'subscribe', channels: ['BTC.trade'], since: { 'BTC.trade': { partition: 0, offset: 5000 } }, id: 1 });
    send({ type: 'ping', id: 2 });
    expect(ws.sent).toEqual([]);
    await new Promise((resolve) => setTimeout(resolve, 400));
    expect(ws.sent).toEqual([
      expect.objectContaining({ type: 'subscription_ack', id: 1, recovery: { 'BTC.trade': { recovered: false, reason: 'POSITION_AHEAD' } } }),
      expect.objectContaining({ type: 'pong', id: 2 }),
    ]);
  });

  it('refuses an ungranted channel before waiting on its position, at once', () => {
    const { ws, send } = handlerRig();
    withGrants(ws, ['ETH.*']);
    send({ type: 'subscribe', channels: ['BTC.trade'], since: { 'BTC.trade': { partition: 0, offset: 5000 } }, id: 1 });
    expect(ws.sent).toEqual([expect.objectContaining({ type: 'error', code: 'CHANNEL_NOT_ALLOWED', value: 'BTC.trade', id: 1 })]);
    expect(ws.state.queued).toBeUndefined();
  });

  it('bounds what waits behind a resume in bytes as well as in count', async () => {
    const { ws, send } = handlerRig({ maxChannels: 100, maxMessageSize: 16 * 1024 });
    send({ type: 'subscribe', channels: ['BTC.trade'], since: { 'BTC.trade': { partition: 0, offset: 5000 } } });
    // Each about 5 KB: the 64 KiB bound is reached long before 64 requests (or the rate limit).
    const large = (id: number) => ({ type: 'unsubscribe', channels: Array.from({ length: 100 }, (_, i) => `QUEUED${i}x${id}${'x'.repeat(30)}.trade`), id });
    for (let id = 0; id < 19; id++) send(large(id));
    const refused = ws.sent.filter((message) => (message as { code?: string }).code === 'BAD_MESSAGE');
    expect(refused.length).toBeGreaterThan(0);
    expect((refused[0] as { message: string }).message).toContain('65536 bytes behind a resume');
    const queuedBytes = ws.state.queued!.reduce((sum, entry) => sum + entry.bytes, 0);
    expect(queuedBytes).toBeLessThanOrEqual(64 * 1024);
    await new Promise((resolve) => setTimeout(resolve, 400));
  });
});

describe('ClientMessageHandler: what forms and replays cost', () => {
  const envelope = (channel: string, offset: number) => buildEnvelope({ channel, partition: 0, offset, ts: 1, prev: null, dataJson: `{"n":${offset}}` });

  it('charges a subscribe one more message per 10 channels it takes in a delivery form, nothing for plain ones', () => {
    const { ws, send } = handlerRig({ maxChannels: 200, maxMessageSize: 16 * 1024 });
    const channels = (round: number) => Array.from({ length: 30 }, (_, i) => `F${round}x${i}.trade`);
    // 30 channels in a form: 3 more messages each. 4 x 4 + 1 of the 20-token burst spent: the next
    // subscribe's own token is there, its channels' are not.
    for (let round = 0; round < 4; round++) send({ type: 'subscribe', data: { channels: channels(round), delta: 'fossil' }, id: round });
    send({ type: 'ping' });
    expect(ws.sent.filter((message) => (message as { type: string }).type === 'subscription_ack')).toHaveLength(4);
    send({ type: 'subscribe', data: { channels: channels(5), delta: 'fossil' }, id: 'over' });
    expect(ws.sent.at(-1)).toEqual(expect.objectContaining({ type: 'error', code: 'RATE_LIMIT_EXCEEDED', id: 'over' }));
    expect((ws.sent.at(-1) as { message: string }).message).toContain('30 of them in a delivery form');
  });

  it('takes no form the shard does not offer (--delivery-forms): plain envelopes, and the ack lists none', () => {
    const { ws, send } = handlerRig({ deliveryForms: ['compress'] });
    send({ type: 'subscribe', data: { channels: ['BTC.trade', 'ETH.quote'], delta: 'deflate', compress: 'deflate' }, id: 'x' });
    expect(ws.sent[0]).toEqual({
      type: 'subscription_ack',
      subscribed: ['BTC.trade', 'ETH.quote'],
      count: 2,
      snapshots: [],
      deltas: [],
      compressed: ['BTC.trade', 'ETH.quote'],
      id: 'x',
    });
    expect([...ws.topics].sort()).toEqual(['BTC.trade|compressed', 'ETH.quote|compressed']);
  });

  it("shares the replay allowance among one user's connections: a second connection's snapshot waits for the refill", () => {
    const one = envelope('BTC.trade', 1).length + 20;
    const budgets = new SubjectReplayBudgets(one);
    const first = handlerRig({ maxReplayBytes: one, subjectReplayBudgets: budgets });
    const second = handlerRig({ maxReplayBytes: one, subjectReplayBudgets: budgets });
    for (const { ws, lastValues } of [first, second]) {
      ws.state.subject = 'looper';
      lastValues.record('BTC.trade', { envelope: envelope('BTC.trade', 1), partition: 0, offset: 1 });
    }
    first.send({ type: 'subscribe', data: { channels: ['BTC.trade'], snapshot: true } });
    second.send({ type: 'subscribe', data: { channels: ['BTC.trade'], snapshot: true } });
    expect(first.ws.sent[0]).toMatchObject({ snapshots: ['BTC.trade'] });
    expect(second.ws.sent[0]).toMatchObject({ snapshots: [] });
    // Another user's connection has its own.
    const other = handlerRig({ maxReplayBytes: one, subjectReplayBudgets: budgets });
    other.ws.state.subject = 'someone-else';
    other.lastValues.record('BTC.trade', { envelope: envelope('BTC.trade', 1), partition: 0, offset: 1 });
    other.send({ type: 'subscribe', data: { channels: ['BTC.trade'], snapshot: true } });
    expect(other.ws.sent[0]).toMatchObject({ snapshots: ['BTC.trade'] });
  });
});

describe('ClientMessageHandler: snapshots of state channels', () => {
  const envelope = (channel: string, offset: number) => buildEnvelope({ channel, partition: 0, offset, ts: 1, prev: null, dataJson: `{"n":${offset}}` });
  const latest = (channel: string, offset: number) => ({ envelope: envelope(channel, offset), partition: 0, offset });

  it('sends, after the ack, the latest envelope of each new state channel marked as a snapshot, when asked', () => {
    const { ws, send, lastValues } = handlerRig();
    lastValues.record('BTC.trade', latest('BTC.trade', 41));
    lastValues.record('BTC.trade', latest('BTC.trade', 42));
    send({ type: 'subscribe', data: { channels: ['BTC.trade', 'ETH.trade', 'BTC.quote'], snapshot: true }, id: 's' });
    expect(ws.sent).toEqual([
      { type: 'subscription_ack', subscribed: ['BTC.trade', 'ETH.trade', 'BTC.quote'], count: 3, snapshots: ['BTC.trade'], id: 's' },
      { type: 'price:update', snapshot: true, channel: 'BTC.trade', pos: { partition: 0, offset: 42 }, ts: 1, prev: null, data: { n: 42 } },
    ]);
    // A channel this connection already holds streams live: no second snapshot.
    send({ type: 'subscribe', data: { channels: ['BTC.trade'], snapshot: true } });
    expect(ws.sent.at(-1)).toEqual({ type: 'subscription_ack', subscribed: ['BTC.trade'], count: 3, snapshots: [] });
  });

  it('sends none to a subscribe that does not ask (what seed clients get is unchanged)', () => {
    const { ws, send, lastValues } = handlerRig();
    lastValues.record('BTC.trade', latest('BTC.trade', 42));
    send({ type: 'subscribe', data: { channels: ['BTC.trade'] } });
    expect(ws.sent).toEqual([{ type: 'subscription_ack', subscribed: ['BTC.trade'], count: 1 }]);
  });

  it('on a resume, replays what it can and sends the snapshot only where the position is too old to replay', () => {
    const { ws, send, history, lastValues } = handlerRig();
    for (const offset of [101, 104]) {
      for (const channel of ['BTC.trade', 'ETH.trade']) {
        history.append(channel, TOPIC, 0, offset, envelope(channel, offset), Date.now());
        lastValues.record(channel, latest(channel, offset));
      }
    }
    const since = { 'BTC.trade': { partition: 0, offset: 101 }, 'ETH.trade': { partition: 0, offset: 50 } }; // history covers from 100
    send({ type: 'subscribe', data: { channels: ['BTC.trade', 'ETH.trade'], since, snapshot: true } });
    expect(ws.sent).toEqual([
      expect.objectContaining({
        recovery: { 'BTC.trade': { recovered: true, replayed: 1 }, 'ETH.trade': { recovered: false, reason: 'POSITION_TOO_OLD' } },
        snapshots: ['ETH.trade'],
      }),
      expect.objectContaining({ channel: 'BTC.trade', pos: { partition: 0, offset: 104 } }),
      expect.objectContaining({ channel: 'ETH.trade', snapshot: true, pos: { partition: 0, offset: 104 } }),
    ]);
    expect((ws.sent[1] as { snapshot?: boolean }).snapshot).toBeUndefined();
  });

  it('leaves out snapshots past what one subscribe may be sent (--max-replay-bytes); those channels stream live', () => {
    const { ws, send, lastValues } = handlerRig({ maxReplayBytes: 150 });
    lastValues.record('A.trade', latest('A.trade', 1));
    lastValues.record('B.trade', latest('B.trade', 2));
    send({ type: 'subscribe', data: { channels: ['A.trade', 'B.trade'], snapshot: true } });
    expect(ws.sent).toEqual([expect.objectContaining({ snapshots: ['A.trade'] }), expect.objectContaining({ channel: 'A.trade', snapshot: true })]);
  });

  it('refuses a snapshot field that is not a boolean', () => {
    const { ws, send } = handlerRig();
    send({ type: 'subscribe', data: { channels: ['A.trade'], snapshot: 'yes' }, id: 3 });
    expect(ws.sent).toEqual([expect.objectContaining({ type: 'error', code: 'BAD_MESSAGE', id: 3 })]);
  });
});

describe('ClientMessageHandler: limits', () => {
  it('past the rate limit: one notice, then silence', () => {
    const { ws, send } = handlerRig();
    for (let i = 0; i < RATE * 2 + 5; i++) send({ type: 'ping', id: i });
    const notices = ws.sent.filter((message) => (message as { code?: string }).code === 'RATE_LIMIT_EXCEEDED');
    expect(notices).toHaveLength(1);
    expect(ws.sent).toHaveLength(RATE * 2 + 1);
  });

  it('charges a subscribe for the pattern checks it needs, and refuses it whole with a coded error when they are over the limit', () => {
    const { ws, send } = handlerRig({ maxChannels: 100 });
    // 32 patterns with *: 10 channels need 320 checks, which count as 3 more messages.
    withGrants(ws, [...Array.from({ length: 31 }, (_, i) => `S${i}.*`), 'A*']);
    const channels = (round: number) => Array.from({ length: 10 }, (_, i) => `A${round}x${i}.trade`);
    for (let round = 0; round < 4; round++) send({ type: 'subscribe', channels: channels(round), id: round });
    send({ type: 'ping' });
    send({ type: 'ping' });
    // 4 x 4 + 2 of the 20-token burst are spent: this message's own token is there, its checks' are not.
    send({ type: 'subscribe', channels: channels(4), id: 'over' });
    expect(ws.sent.slice(0, 4)).toEqual([0, 1, 2, 3].map((id) => expect.objectContaining({ type: 'subscription_ack', id })));
    expect(ws.sent.at(-1)).toEqual(expect.objectContaining({ type: 'error', code: 'RATE_LIMIT_EXCEEDED', id: 'over' }));
    expect((ws.sent.at(-1) as { message: string }).message).toContain("your token's 32 patterns, 0 of them in a delivery form) counts as 3 more messages");
    expect(ws.state.channels.size).toBe(40);
  });

  it('charges nothing for exact names or an everything grant', () => {
    for (const patterns of [['*'], Array.from({ length: 100 }, (_, i) => `A${i}.trade`)]) {
      const { ws, send } = handlerRig({ maxChannels: 100 });
      withGrants(ws, patterns);
      for (let round = 0; round < RATE * 2; round++) send({ type: 'subscribe', channels: [`A${round}.trade`], id: round });
      expect(ws.sent.every((message) => (message as { type: string }).type === 'subscription_ack')).toBe(true);
      expect(ws.sent).toHaveLength(RATE * 2);
    }
  });

  it('closes with 1009 on a message over the size limit, without answering it', () => {
    const { ws, send } = handlerRig();
    send({ type: 'subscribe', channels: ['x'.repeat(2000)] });
    expect(ws.ended).toMatchObject({ code: 1009 });
    expect(ws.sent).toEqual([]);
  });
});

describe('ClientMessageHandler: refresh', () => {
  it('moves the expiry and unsubscribes what the new token no longer grants', async () => {
    const expiresAt = Date.now() + 60_000;
    const verifier: TokenVerifier = { verify: async () => ({ ok: true, identity: { subject: 'u', expiresAt, grants: ChannelGrants.fromClaim(['A.*'])! } }) };
    const { ws, send } = handlerRig({ verifier });
    ws.state.subject = 'u';
    send({ type: 'subscribe', channels: ['A.trade', 'B.trade', 'B.trade@250ms', 'A.trade@1000ms'] });
    send({ type: 'refresh', token: 'new', id: 'r' });
    await new Promise((resolve) => setImmediate(resolve));
    // A rate variant goes with the channel it conflates, as on subscribe.
    expect(ws.sent.at(-1)).toEqual({ type: 'refresh_ack', expiresAt, revoked: ['B.trade', 'B.trade@250ms'], id: 'r' });
    expect([...ws.topics].sort()).toEqual(['A.trade', 'A.trade@1000ms']);
  });

  it("refuses another subject's token, or one without a subject, and changes nothing (SUBJECT_CHANGED)", async () => {
    let subject: string | undefined = 'premium';
    const verifier: TokenVerifier = {
      verify: async () => ({ ok: true, identity: { subject, expiresAt: Date.now() + 3_600_000, grants: ChannelGrants.fromClaim(['*'])! } }),
    };
    const { ws, send } = handlerRig({ verifier });
    ws.state.subject = 'basic';
    ws.state.grants = ChannelGrants.fromClaim(['A.*']);
    const expiresAt = ws.state.expiresAt;
    for (const [id, other] of [
      ['p', 'premium'],
      ['n', undefined],
    ] as const) {
      subject = other;
      send({ type: 'refresh', token: 'theirs', id });
      await new Promise((resolve) => setImmediate(resolve));
      expect(ws.sent.at(-1)).toEqual(expect.objectContaining({ type: 'error', code: 'TOKEN_REFUSED', value: 'SUBJECT_CHANGED', id }));
    }
    expect(ws.state.expiresAt).toBe(expiresAt);
    send({ type: 'subscribe', channels: ['B.trade'], id: 'b' });
    expect(ws.sent.at(-1)).toEqual(expect.objectContaining({ code: 'CHANNEL_NOT_ALLOWED', id: 'b' }));
  });

  it('answers AUTH_DISABLED where no token is checked', () => {
    const { ws, send } = handlerRig();
    send({ type: 'refresh', token: 'new', id: 'r' });
    expect(ws.sent).toEqual([expect.objectContaining({ type: 'error', code: 'AUTH_DISABLED', id: 'r' })]);
  });
});
