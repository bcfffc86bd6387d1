import { afterEach, describe, expect, it } from 'vitest';
import { scriptedServer, until } from '../test-support/scripted-server.js';
import { OdinClient, type RecoveryEvent, type StreamMessage } from './node.js';

// `prev` on every envelope names the channel's previous one: the SDK checks it, and a record that never
// arrived makes it resume the channel from its position instead of skipping it. A scripted server plays
// the lost record (a real shard never drops one on purpose; apps/cli/test/stream-continuity.test.ts drops
// a frame between a real shard and the SDK).

/** Offsets of one channel on partition 0, every third offset of the partition being another channel's. */
const OFFSETS = [2, 5, 8, 11, 14];
const prevOf = (offset: number) => (offset === OFFSETS[0] ? null : offset - 3);
const line = (offset: number) =>
  JSON.stringify({ type: 'price:update', channel: 'BTC.trade', pos: { partition: 0, offset }, ts: 1, prev: prevOf(offset), data: { n: offset } });

describe('OdinClient: gaps seen from prev', () => {
  const cleanups: Array<() => unknown> = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0)) await cleanup();
  });

  it('resumes a channel from its position when an envelope names a previous one it never got, and ends with each record once', async () => {
    const subscribes: Array<Record<string, unknown>> = [];
    const server = await scriptedServer((socket) => {
      socket.on('message', (data) => {
        const message = JSON.parse(data.toString()) as { type: string; id: string; data: { channels: string[]; since?: Record<string, { offset: number }> } };
        if (message.type !== 'subscribe') return;
        subscribes.push(message.data);
        const since = message.data.since?.['BTC.trade']?.offset;
        if (since === undefined) {
          socket.send(JSON.stringify({ type: 'subscription_ack', subscribed: ['BTC.trade'], count: 1, id: message.id }));
          // 8 is lost on the way: 11 names it as its prev, and so would 14 (in flight before the resume lands).
          for (const offset of [2, 5, 11, 14]) socket.send(line(offset));
          return;
        }
        const missed = OFFSETS.filter((offset) => offset > since);
        socket.send(
          JSON.stringify({
            type: 'subscription_ack',
            subscribed: ['BTC.trade'],
            count: 1,
            id: message.id,
            recovery: { 'BTC.trade': { recovered: true, replayed: missed.length } },
          }),
        );
        for (const offset of missed) socket.send(line(offset));
      });
    });
    cleanups.push(server.close);
    const odin = new OdinClient({ url: server.url, backoff: { initialMs: 20, maxMs: 200 } }).connect();
    cleanups.push(() => odin.close());
    const recoveries: RecoveryEvent[] = [];
    odin.on('recovery', (event) => recoveries.push(event));
    const messages: StreamMessage[] = [];
    odin.subscribe('BTC.trade', (message) => messages.push(message));
    await until('every record', () => messages.length >= OFFSETS.length);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(messages.map((m) => m.pos.offset)).toEqual(OFFSETS);
    expect(messages.map((m) => m.replayed)).toEqual([false, false, true, true, true]);
    expect(recoveries).toEqual([
      { channel: 'BTC.trade', recovered: false, reason: 'GAP_DETECTED', resumedFrom: { partition: 0, offset: 5 } },
      { channel: 'BTC.trade', recovered: true, replayed: 3 },
    ]);
    expect(subscribes.map((s) => s['since'])).toEqual([undefined, { 'BTC.trade': { partition: 0, offset: 5 } }]);
  });

  it('takes an envelope without prev, with a null prev, after a snapshot or on another partition as it comes', async () => {
    const envelopes = [
      { pos: { partition: 0, offset: 3 }, prev: null },
      { pos: { partition: 0, offset: 7 } }, // an older server: no prev at all
      { pos: { partition: 0, offset: 9 }, prev: null },
      { pos: { partition: 0, offset: 20 }, prev: 17, snapshot: true }, // a snapshot starts the stream again
      { pos: { partition: 4, offset: 1 }, prev: 0 }, // the channel moved partition: nothing held there
    ];
    const server = await scriptedServer((socket) => {
      socket.on('message', (data) => {
        const message = JSON.parse(data.toString()) as { type: string; id: string };
        if (message.type !== 'subscribe') return;
        socket.send(JSON.stringify({ type: 'subscription_ack', subscribed: ['BTC.trade'], count: 1, id: message.id }));
        for (const fields of envelopes) socket.send(JSON.stringify({ type: 'price:update', channel: 'BTC.trade', ts: 1, ...fields, data: {} }));
      });
    });
    cleanups.push(server.close);
    const odin = new OdinClient({ url: server.url }).connect();
    cleanups.push(() => odin.close());
    const recoveries: RecoveryEvent[] = [];
    odin.on('recovery', (event) => recoveries.push(event));
    const messages: StreamMessage[] = [];
    odin.subscribe('BTC.trade', (message) => messages.push(message));
    await until('every envelope', () => messages.length === envelopes.length);
    expect(recoveries).toEqual([]);
    expect(server.requests.filter((r) => r['type'] === 'subscribe')).toHaveLength(1);
  });
});
