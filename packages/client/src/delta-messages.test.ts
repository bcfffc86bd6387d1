import { deflateSync } from 'node:zlib';
import { buildEnvelope, ZlibFrameKind, zlibFrameDictionary, zlibFrameHeader } from '@odin-ws/protocol';
import { createStringDelta } from 'fossil-delta';
import { afterEach, describe, expect, it } from 'vitest';
import type { WebSocket } from 'ws';
import { scriptedServer, until } from '../test-support/scripted-server.js';
import { OdinClient, type RecoveryEvent, type StreamMessage, type SubscribeOptions } from './node.js';

// Deltas against a scripted server, which can send a damaged delta or one against another base on
// purpose; apps/cli/test/deltas.test.ts checks a real shard's deltas end to end.

const books = [1, 2, 3, 4, 5].map((n) => JSON.stringify({ seq: n, bids: [[182.4 + n / 100, 3]], asks: [[182.5, n]] }));
const book = (offset: number) => buildEnvelope({ channel: 'SOL.book', partition: 0, offset, ts: 1000 + offset, prev: null, dataJson: books[offset - 1]! });

/** A `"delta":"deflate"` frame as a shard publishes it (packages/shard/src/delivery/deflate-delta-form.ts). */
function deflateFrame(envelope: string, base?: string): Buffer {
  const kind = base === undefined ? ZlibFrameKind.FULL : ZlibFrameKind.DELTA;
  return Buffer.concat([zlibFrameHeader(kind, 'SOL.book'), deflateSync(envelope, { dictionary: zlibFrameDictionary(kind, base) })]);
}

/** Acks every subscribe as a shard does, then calls `then` with the request's data. */
function afterEachAck(socket: WebSocket, then: (request: { channels: string[]; delta?: string; compress?: string }) => void): void {
  socket.on('message', (data) => {
    const message = JSON.parse(data.toString()) as { type: string; id: string; data: { channels: string[]; delta?: string; compress?: string } };
    if (message.type !== 'subscribe') return;
    const { channels, delta, compress } = message.data;
    const forms = { ...(delta ? { deltas: channels } : {}), ...(compress ? { compressed: channels } : {}) };
    socket.send(JSON.stringify({ type: 'subscription_ack', subscribed: channels, count: channels.length, ...forms, id: message.id }));
    then(message.data);
  });
}

/** One DELTA_FAILED, and the channel asked again without deltas after the first subscribe. */
function expectOneRestartFull(recoveries: RecoveryEvent[], requests: Array<Record<string, unknown>>): void {
  expect(recoveries).toEqual([{ channel: 'SOL.book', recovered: false, reason: 'DELTA_FAILED' }]);
  expect(
    requests
      .filter((r) => r['type'] !== 'ping')
      .map((r) => [r['type'], r['data']])
      .slice(1),
  ).toEqual([
    ['unsubscribe', { channels: ['SOL.book'] }],
    ['subscribe', { channels: ['SOL.book'], snapshot: true }],
  ]);
}

describe('OdinClient deltas', () => {
  const cleanups: Array<() => unknown> = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0)) await cleanup();
  });
  /** A client following SOL.book with `options`: the messages it hands over and its recovery events. */
  const follow = (url: string, options: SubscribeOptions) => {
    const odin = new OdinClient({ url, backoff: { initialMs: 20, maxMs: 200 } }).connect();
    cleanups.push(() => odin.close());
    const messages: StreamMessage[] = [];
    const recoveries: RecoveryEvent[] = [];
    odin.on('recovery', (event) => recoveries.push(event));
    odin.subscribe('SOL.book', options, (message) => messages.push(message));
    return { messages, recoveries };
  };

  it('fossil: rebuilds delta messages from the snapshot on, and restarts the channel full when a delta does not apply', async () => {
    const books = [1, 2, 3, 4].map((n) => JSON.stringify({ seq: n, bids: [[182.4 + n / 100, 3]], asks: [[182.5, n]] }));
    const frame = (offset: number, body: string) => `{"type":"price:update","channel":"SOL.book","pos":{"partition":0,"offset":${offset}},"ts":1,${body}}`;
    const deltaBody = (base: number, from: string, to: string) => `"delta":${JSON.stringify({ base, fossil: createStringDelta(from, to) })}`;
    const server = await scriptedServer((socket, index) => {
      afterEachAck(socket, () => {
        if (index > 0 || server.requests.filter((r) => r['type'] === 'subscribe').length > 1) {
          socket.send(`{"type":"price:update","snapshot":true,"channel":"SOL.book","pos":{"partition":0,"offset":4},"ts":1,"data":${books[3]}}`);
          return;
        }
        socket.send(frame(1, `"data":${books[0]}`));
        socket.send(frame(2, deltaBody(1, books[0]!, books[1]!)));
        socket.send(frame(3, deltaBody(2, books[1]!, books[2]!)));
        // Its checksum damaged (the base is right): it must never be shown.
        const delta = createStringDelta(books[2]!, books[3]!).replace(/[0-9A-Za-z_~]+;$/, 'zzzz;');
        socket.send(frame(4, `"delta":${JSON.stringify({ base: 3, fossil: delta })}`));
      });
    });
    cleanups.push(server.close);
    const { messages, recoveries } = follow(server.url, { delta: 'fossil' });
    await until('the full restart', () => messages.length === 4);
    expect(server.requests[0]).toMatchObject({ type: 'subscribe', data: { channels: ['SOL.book'], snapshot: true, delta: 'fossil' } });
    expect(messages.map((m) => [m.pos.offset, m.snapshot, m.data])).toEqual([
      [1, false, JSON.parse(books[0]!)],
      [2, false, JSON.parse(books[1]!)],
      [3, false, JSON.parse(books[2]!)],
      [4, true, JSON.parse(books[3]!)],
    ]);
    expectOneRestartFull(recoveries, server.requests);
  });

  it('deflate (delta: true): rebuilds binary frames from the snapshot on, ignores binary that is not ours, and restarts full when a frame names another base', async () => {
    const server = await scriptedServer((socket) => {
      afterEachAck(socket, (request) => {
        if (request.delta === undefined) {
          socket.send(book(5).replace('{"type":"price:update",', '{"type":"price:update","snapshot":true,'));
          return;
        }
        socket.send(book(1).replace('{"type":"price:update",', '{"type":"price:update","snapshot":true,'));
        socket.send(deflateFrame(book(2), book(1)));
        // Not ours: an unknown kind, a cut header, a channel not subscribed, garbage after a good header.
        socket.send(Buffer.from([9, 8, 1, 2, 3]));
        socket.send(Buffer.from([ZlibFrameKind.DELTA, 40, 65]));
        socket.send(Buffer.concat([zlibFrameHeader(ZlibFrameKind.FULL, 'ETH.book'), deflateSync('{}')]));
        socket.send(deflateFrame(book(3)));
        socket.send(deflateFrame(book(4), book(3)));
        // Against a base this client never held (offset 2's, not 4's): must never be shown.
        socket.send(deflateFrame(book(5), book(2)));
        // Sent before the server hears of the restart: ignored, no second restart.
        socket.send(deflateFrame(book(5), book(4)));
      });
    });
    cleanups.push(server.close);
    const { messages, recoveries } = follow(server.url, { delta: true });
    await until('the full restart', () => messages.length === 5);
    expect(server.requests[0]).toMatchObject({ type: 'subscribe', data: { channels: ['SOL.book'], snapshot: true, delta: 'deflate' } });
    expect(messages.map((m) => [m.pos.offset, m.ts, m.snapshot, m.data])).toEqual([
      [1, 1001, true, JSON.parse(books[0]!)],
      [2, 1002, false, JSON.parse(books[1]!)],
      [3, 1003, false, JSON.parse(books[2]!)],
      [4, 1004, false, JSON.parse(books[3]!)],
      [5, 1005, true, JSON.parse(books[4]!)],
    ]);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expectOneRestartFull(recoveries, server.requests);
  });

  it('deflate: a frame whose checksum does not match what it inflates to is never shown', async () => {
    const server = await scriptedServer((socket) => {
      afterEachAck(socket, (request) => {
        if (request.delta === undefined) return;
        const damaged = deflateFrame(book(1));
        damaged[damaged.length - 1]! ^= 0xff;
        socket.send(damaged);
      });
    });
    cleanups.push(server.close);
    const { messages, recoveries } = follow(server.url, { delta: 'deflate' });
    await until('the restart', () => recoveries.length === 1);
    expect(recoveries).toEqual([{ channel: 'SOL.book', recovered: false, reason: 'DELTA_FAILED' }]);
    expect(messages).toEqual([]);
  });

  it('compress: takes full deflate frames of any channel, and ignores a delta frame it did not ask for', async () => {
    const trade = (offset: number) => buildEnvelope({ channel: 'SOL.book', partition: 0, offset, ts: offset, prev: null, dataJson: `{"n":${offset}}` });
    const server = await scriptedServer((socket) => {
      afterEachAck(socket, () => {
        socket.send(deflateFrame(trade(1)));
        socket.send(deflateFrame(trade(2), trade(1)));
        socket.send(deflateFrame(trade(3)));
      });
    });
    cleanups.push(server.close);
    const { messages } = follow(server.url, { compress: true });
    await until('two messages', () => messages.length === 2);
    expect(server.requests[0]).toMatchObject({ type: 'subscribe', data: { channels: ['SOL.book'], snapshot: true, compress: 'deflate' } });
    expect(server.requests[0]!['data']).not.toHaveProperty('delta');
    expect(messages.map((m) => [m.pos.offset, m.data])).toEqual([
      [1, { n: 1 }],
      [3, { n: 3 }],
    ]);
  });

  it('refuses a delta or compress option it does not know', () => {
    const odin = new OdinClient({ url: 'ws://127.0.0.1:1/ws' });
    expect(() => odin.subscribe('SOL.book', { delta: 'xdelta' as never })).toThrow(
      expect.objectContaining({ code: 'E_INVALID_OPTION', details: { value: 'xdelta' } }),
    );
  });
});
