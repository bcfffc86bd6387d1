import { ChannelGrants, type TokenVerifier } from '@odin-ws/auth';
import { buildEnvelope } from '@odin-ws/protocol';
import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { Conflator, offeredForms } from '../delivery/index.js';
import { createShardMetrics, type ShardStateSnapshot } from '../shard-metrics.js';
import { AheadPositions, ChannelHistory, LastValues, OrderBooks, StateChannels } from '../state/index.js';
import { ClientMessageHandler } from './client-message-handler.js';
import { type ClientSocket, type ClientState, newClientState } from './client-state.js';
import { ConnectionSet } from './connections.js';
import { SlowClientGuard } from './slow-clients.js';
import { SubjectReplayBudgets } from './subject-replay-budgets.js';
import { SubscriptionIndex } from './subscriptions.js';

// The handler with its real collaborators (index, history, guards, metrics); only the uWS socket
// is a fake, recording what was sent and which topics it joined.

const TOPIC = 'odin.trades';
const RATE = 10;

/** The part of a uWS socket the handler uses. */
class FakeSocket {
  readonly state: ClientState = newClientState(RATE * 2, Date.now());
  readonly sent: unknown[] = [];
  readonly topics = new Set<string>();
  ended: { code: number; reason: string } | undefined;
  getUserData = () => this.state;
  send = (message: string) => {
    this.sent.push(message.startsWith('{') ? JSON.parse(message) : message);
    return 1;
  };
  end = (code: number, reason: string) => {
    this.ended = { code, reason };
  };
  cork = (fn: () => void) => fn();
  getBufferedAmount = () => 0;
  subscribe = (topic: string) => this.topics.add(topic);
  unsubscribe = (topic: string) => this.topics.delete(topic);
  get asClient(): ClientSocket {
    return this as unknown as ClientSocket;
  }
}

/** `maxReplayBytes`: also what snapshots may take after one ack. Channels ending in `.trade` are state channels here. */
function setup(
  options: {
    maxChannels?: number;
    verifier?: TokenVerifier;
    maxReplayBytes?: number;
    maxMessageSize?: number;
    deliveryForms?: string[];
    subjectReplayBudgets?: SubjectReplayBudgets;
  } = {},
) {
  const subscriptions = new SubscriptionIndex();
  const history = new ChannelHistory(
    { maxPerChannel: 10, maxAgeMs: 60_000, maxBytes: 1 << 20, maxReplayBytes: 1 << 20 },
    { coveredFrom: () => 100, endOf: () => 1000, topicOf: (channel) => (channel.endsWith('.trade') ? TOPIC : undefined) },
  );
  const lastValues = new LastValues(1 << 20);
  // The variant topics' publishes, as the uWS app would take them.
  const variantPublishes: Array<{ topic: string; frame: string }> = [];
  const conflator = new Conflator(
    {
      numSubscribers: () => 1,
      publish: (topic: string, frame: string) => {
        variantPublishes.push({ topic, frame });
        return true;
      },
    } as unknown as ConstructorParameters<typeof Conflator>[0],
    lastValues,
  );
  const handler = new ClientMessageHandler({
    subscriptions,
    maxSubscriptions: options.maxChannels ?? 5,
    stateChannels: new StateChannels(['trade']),
    offeredForms: offeredForms(options.deliveryForms ?? ['fossil', 'deflate', 'compress']),
    subjectReplayBudgets: options.subjectReplayBudgets ?? new SubjectReplayBudgets(options.maxReplayBytes ?? 1 << 20),
    history,
    lastValues,
    books: new OrderBooks(100),
    conflator,
    slowClients: new SlowClientGuard(new ConnectionSet(), 1 << 20, () => {}),
    metrics: createShardMetrics(new Registry(), () => ({}) as ShardStateSnapshot),
    clientRateLimit: RATE,
    maxMessageSize: options.maxMessageSize ?? 1024,
    permessageDeflate: false,
    maxReplayBytes: options.maxReplayBytes ?? 1 << 20,
    backpressureLimit: 1 << 20,
    verifier: options.verifier,
    isOpen: () => true,
    aheadPositions: new AheadPositions(200),
  });
  const ws = new FakeSocket();
  const send = (message: unknown) => handler.onMessage(ws.asClient, new TextEncoder().encode(JSON.stringify(message)).buffer as ArrayBuffer, false);
  return { handler, history, lastValues, conflator, variantPublishes, subscriptions, ws, send };
}

function withGrants(ws: FakeSocket, patterns: string[]): void {
  ws.state.grants = ChannelGrants.fromClaim(patterns);
}

describe('ClientMessageHandler: subscribe is all or nothing', () => {
  it('refuses a whole request when one channel is not granted, and subscribes none of it', () => {
    const { ws, send } = setup();
    withGrants(ws, ['BTC.*']);
    send({ type: 'subscribe', channels: ['BTC.trade', 'ETH.trade'], id: 1 });
    expect(ws.sent).toEqual([expect.objectContaining({ type: 'error', code: 'CHANNEL_NOT_ALLOWED', value: 'ETH.trade', id: 1 })]);
    expect([...ws.topics]).toEqual([]);
    expect([...ws.state.channels]).toEqual([]);
  });

  it('refuses a whole request that would pass the channel limit, then takes one that fits', () => {
    const { ws, send } = setup({ maxChannels: 2 });
    send({ type: 'subscribe', channels: ['A.trade', 'B.trade', 'C.trade'] });
    expect(ws.sent.at(-1)).toMatchObject({ type: 'error', code: 'TOO_MANY_CHANNELS' });
    expect([...ws.topics]).toEqual([]);
    send({ type: 'subscribe', channels: ['A.trade', 'B.trade'] });
    expect(ws.sent.at(-1)).toEqual({ type: 'subscription_ack', subscribed: ['A.trade', 'B.trade'], count: 2 });
    expect([...ws.topics]).toEqual(['A.trade', 'B.trade']);
  });

  it('unsubscribes only what it holds, and says how many remain', () => {
    const { ws, send } = setup();
    send({ type: 'subscribe', channels: ['A.trade', 'B.trade'] });
    send({ type: 'unsubscribe', channels: ['A.trade', 'Z.trade'], id: 'u' });
    expect(ws.sent.at(-1)).toEqual({ type: 'unsubscription_ack', unsubscribed: ['A.trade'], count: 1, id: 'u' });
    expect([...ws.topics]).toEqual(['B.trade']);
  });
});

describe('ClientMessageHandler: resume', () => {
  it('answers the ack with its recovery, then exactly the records after the position, in order', () => {
    const { ws, send, history } = setup();
    for (const offset of [101, 104, 107]) history.append('BTC.trade', TOPIC, 0, offset, `f${offset}`, Date.now());
    send({ type: 'subscribe', channels: ['BTC.trade'], since: { 'BTC.trade': { partition: 0, offset: 101 } } });
    expect(ws.sent).toEqual([
      { type: 'subscription_ack', subscribed: ['BTC.trade'], count: 1, recovery: { 'BTC.trade': { recovered: true, replayed: 2 } } },
      'f104',
      'f107',
    ]);
  });

  it('answers the requests sent while a resume past the partition end waits, after it and in order', async () => {
    const { ws, send } = setup();
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
    const { ws, send } = setup();
    withGrants(ws, ['ETH.*']);
    send({ type: 'subscribe', channels: ['BTC.trade'], since: { 'BTC.trade': { partition: 0, offset: 5000 } }, id: 1 });
    expect(ws.sent).toEqual([expect.objectContaining({ type: 'error', code: 'CHANNEL_NOT_ALLOWED', value: 'BTC.trade', id: 1 })]);
    expect(ws.state.queued).toBeUndefined();
  });

  it('bounds what waits behind a resume in bytes as well as in count', async () => {
    const { ws, send } = setup({ maxChannels: 100, maxMessageSize: 16 * 1024 });
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
  const envelope = (channel: string, offset: number) => buildEnvelope({ channel, partition: 0, offset, ts: 1, dataJson: `{"n":${offset}}` });

  it('charges a subscribe one more message per 10 channels it takes in a delivery form, nothing for plain ones', () => {
    const { ws, send } = setup({ maxChannels: 200, maxMessageSize: 16 * 1024 });
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
    const { ws, send } = setup({ deliveryForms: ['compress'] });
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
    const first = setup({ maxReplayBytes: one, subjectReplayBudgets: budgets });
    const second = setup({ maxReplayBytes: one, subjectReplayBudgets: budgets });
    for (const { ws, lastValues } of [first, second]) {
      ws.state.subject = 'looper';
      lastValues.record('BTC.trade', { envelope: envelope('BTC.trade', 1), partition: 0, offset: 1 });
    }
    first.send({ type: 'subscribe', data: { channels: ['BTC.trade'], snapshot: true } });
    second.send({ type: 'subscribe', data: { channels: ['BTC.trade'], snapshot: true } });
    expect(first.ws.sent[0]).toMatchObject({ snapshots: ['BTC.trade'] });
    expect(second.ws.sent[0]).toMatchObject({ snapshots: [] });
    // Another user's connection has its own.
    const other = setup({ maxReplayBytes: one, subjectReplayBudgets: budgets });
    other.ws.state.subject = 'someone-else';
    other.lastValues.record('BTC.trade', { envelope: envelope('BTC.trade', 1), partition: 0, offset: 1 });
    other.send({ type: 'subscribe', data: { channels: ['BTC.trade'], snapshot: true } });
    expect(other.ws.sent[0]).toMatchObject({ snapshots: ['BTC.trade'] });
  });
});

describe('ClientMessageHandler: snapshots of state channels', () => {
  const envelope = (channel: string, offset: number) => buildEnvelope({ channel, partition: 0, offset, ts: 1, dataJson: `{"n":${offset}}` });
  const latest = (channel: string, offset: number) => ({ envelope: envelope(channel, offset), partition: 0, offset });

  it('sends, after the ack, the latest envelope of each new state channel marked as a snapshot, when asked', () => {
    const { ws, send, lastValues } = setup();
    lastValues.record('BTC.trade', latest('BTC.trade', 41));
    lastValues.record('BTC.trade', latest('BTC.trade', 42));
    send({ type: 'subscribe', data: { channels: ['BTC.trade', 'ETH.trade', 'BTC.quote'], snapshot: true }, id: 's' });
    expect(ws.sent).toEqual([
      { type: 'subscription_ack', subscribed: ['BTC.trade', 'ETH.trade', 'BTC.quote'], count: 3, snapshots: ['BTC.trade'], id: 's' },
      { type: 'price:update', snapshot: true, channel: 'BTC.trade', pos: { partition: 0, offset: 42 }, ts: 1, data: { n: 42 } },
    ]);
    // A channel this connection already holds streams live: no second snapshot.
    send({ type: 'subscribe', data: { channels: ['BTC.trade'], snapshot: true } });
    expect(ws.sent.at(-1)).toEqual({ type: 'subscription_ack', subscribed: ['BTC.trade'], count: 3, snapshots: [] });
  });

  it('sends none to a subscribe that does not ask (what seed clients get is unchanged)', () => {
    const { ws, send, lastValues } = setup();
    lastValues.record('BTC.trade', latest('BTC.trade', 42));
    send({ type: 'subscribe', data: { channels: ['BTC.trade'] } });
    expect(ws.sent).toEqual([{ type: 'subscription_ack', subscribed: ['BTC.trade'], count: 1 }]);
  });

  it('on a resume, replays what it can and sends the snapshot only where the position is too old to replay', () => {
    const { ws, send, history, lastValues } = setup();
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
    const { ws, send, lastValues } = setup({ maxReplayBytes: 150 });
    lastValues.record('A.trade', latest('A.trade', 1));
    lastValues.record('B.trade', latest('B.trade', 2));
    send({ type: 'subscribe', data: { channels: ['A.trade', 'B.trade'], snapshot: true } });
    expect(ws.sent).toEqual([expect.objectContaining({ snapshots: ['A.trade'] }), expect.objectContaining({ channel: 'A.trade', snapshot: true })]);
  });

  it('refuses a snapshot field that is not a boolean', () => {
    const { ws, send } = setup();
    send({ type: 'subscribe', data: { channels: ['A.trade'], snapshot: 'yes' }, id: 3 });
    expect(ws.sent).toEqual([expect.objectContaining({ type: 'error', code: 'BAD_MESSAGE', id: 3 })]);
  });
});

describe('ClientMessageHandler: deltas', () => {
  const envelope = (channel: string, offset: number) => buildEnvelope({ channel, partition: 0, offset, ts: 1, dataJson: `{"n":${offset}}` });
  const latest = (channel: string, offset: number) => ({ envelope: envelope(channel, offset), partition: 0, offset });

  it('holds a state channel on its delta topic, starts it from a full snapshot unasked, and lets go of that topic on unsubscribe', () => {
    const { ws, send, lastValues } = setup();
    lastValues.record('BTC.trade', latest('BTC.trade', 5));
    send({ type: 'subscribe', data: { channels: ['BTC.trade', 'BTC.quote'], delta: 'fossil' }, id: 'd' });
    expect(ws.sent).toEqual([
      { type: 'subscription_ack', subscribed: ['BTC.trade', 'BTC.quote'], count: 2, snapshots: ['BTC.trade'], deltas: ['BTC.trade'], id: 'd' },
      { type: 'price:update', snapshot: true, channel: 'BTC.trade', pos: { partition: 0, offset: 5 }, ts: 1, data: { n: 5 } },
    ]);
    expect([...ws.topics].sort()).toEqual(['BTC.quote', 'BTC.trade|fossil']);
    send({ type: 'unsubscribe', data: { channels: ['BTC.trade', 'BTC.quote'] } });
    expect([...ws.topics]).toEqual([]);
  });

  it('holds deflate deltas on their own topic, and keeps a channel on the format it was first subscribed with', () => {
    const { ws, send, lastValues } = setup();
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
    const { ws, send, subscriptions } = setup();
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
    const { ws, send } = setup();
    send({ type: 'subscribe', data: { channels: ['BTC.trade'], compress: 'gzip' }, id: 'g' });
    expect(ws.sent).toEqual([expect.objectContaining({ type: 'error', code: 'BAD_MESSAGE', id: 'g' })]);
  });

  it('refuses a delta format it does not know', () => {
    const { ws, send } = setup();
    send({ type: 'subscribe', data: { channels: ['BTC.trade'], delta: 'xdelta' }, id: 'x' });
    expect(ws.sent).toEqual([expect.objectContaining({ type: 'error', code: 'BAD_MESSAGE', id: 'x' })]);
  });
});

describe('ClientMessageHandler: rate variants', () => {
  const envelope = (channel: string, offset: number) => buildEnvelope({ channel, partition: 0, offset, ts: 1, dataJson: `{"n":${offset}}` });
  const latest = (channel: string, offset: number) => ({ envelope: envelope(channel, offset), partition: 0, offset });

  it("subscribes a state channel's variant, snapshots it under the variant's name, and starts its interval", () => {
    const { ws, send, lastValues, conflator, variantPublishes } = setup();
    lastValues.record('BTC.trade', latest('BTC.trade', 9));
    send({ type: 'subscribe', data: { channels: ['BTC.trade@1000ms'], snapshot: true } });
    expect(ws.sent).toEqual([
      { type: 'subscription_ack', subscribed: ['BTC.trade@1000ms'], count: 1, snapshots: ['BTC.trade@1000ms'] },
      { type: 'price:update', snapshot: true, channel: 'BTC.trade@1000ms', pos: { partition: 0, offset: 9 }, ts: 1, data: { n: 9 } },
    ]);
    expect([...ws.topics]).toEqual(['BTC.trade@1000ms']);
    conflator.updated('BTC.trade');
    conflator.tick(1000);
    expect(variantPublishes.map(({ topic }) => topic)).toEqual(['BTC.trade@1000ms']);
    conflator.close();
  });

  it('refuses, whole, a variant of a channel that carries no state (NOT_CONFLATABLE)', () => {
    const { ws, send } = setup();
    send({ type: 'subscribe', data: { channels: ['BTC.trade', 'BTC.quote@1000ms'] }, id: 'v' });
    expect(ws.sent).toEqual([expect.objectContaining({ type: 'error', code: 'NOT_CONFLATABLE', value: 'BTC.quote@1000ms', id: 'v' })]);
    expect([...ws.topics]).toEqual([]);
  });

  it('grants a variant with the channel it conflates, and names the variant when refusing it', () => {
    const { ws, send } = setup();
    withGrants(ws, ['BTC.*']);
    send({ type: 'subscribe', data: { channels: ['BTC.trade@250ms'] } });
    send({ type: 'subscribe', data: { channels: ['ETH.trade@250ms'] }, id: 'e' });
    expect(ws.sent).toEqual([
      expect.objectContaining({ type: 'subscription_ack', subscribed: ['BTC.trade@250ms'] }),
      expect.objectContaining({ type: 'error', code: 'CHANNEL_NOT_ALLOWED', value: 'ETH.trade@250ms', id: 'e' }),
    ]);
  });
});

describe('ClientMessageHandler: limits', () => {
  it('past the rate limit: one notice, then silence', () => {
    const { ws, send } = setup();
    for (let i = 0; i < RATE * 2 + 5; i++) send({ type: 'ping', id: i });
    const notices = ws.sent.filter((message) => (message as { code?: string }).code === 'RATE_LIMIT_EXCEEDED');
    expect(notices).toHaveLength(1);
    expect(ws.sent).toHaveLength(RATE * 2 + 1);
  });

  it('charges a subscribe for the pattern checks it needs, and refuses it whole with a coded error when they are over the limit', () => {
    const { ws, send } = setup({ maxChannels: 100 });
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
      const { ws, send } = setup({ maxChannels: 100 });
      withGrants(ws, patterns);
      for (let round = 0; round < RATE * 2; round++) send({ type: 'subscribe', channels: [`A${round}.trade`], id: round });
      expect(ws.sent.every((message) => (message as { type: string }).type === 'subscription_ack')).toBe(true);
      expect(ws.sent).toHaveLength(RATE * 2);
    }
  });

  it('closes with 1009 on a message over the size limit, without answering it', () => {
    const { ws, send } = setup();
    send({ type: 'subscribe', channels: ['x'.repeat(2000)] });
    expect(ws.ended).toMatchObject({ code: 1009 });
    expect(ws.sent).toEqual([]);
  });
});

describe('ClientMessageHandler: refresh', () => {
  it('moves the expiry and unsubscribes what the new token no longer grants', async () => {
    const expiresAt = Date.now() + 60_000;
    const verifier: TokenVerifier = { verify: async () => ({ ok: true, identity: { subject: 'u', expiresAt, grants: ChannelGrants.fromClaim(['A.*'])! } }) };
    const { ws, send } = setup({ verifier });
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
    const { ws, send } = setup({ verifier });
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
    const { ws, send } = setup();
    send({ type: 'refresh', token: 'new', id: 'r' });
    expect(ws.sent).toEqual([expect.objectContaining({ type: 'error', code: 'AUTH_DISABLED', id: 'r' })]);
  });
});
