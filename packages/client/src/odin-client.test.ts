import { afterEach, describe, expect, it } from 'vitest';
import { ackSubscribes, envelope, scriptedServer, until } from '../test-support/scripted-server.js';
import { OdinClient, type ReconnectEvent, type RecoveryEvent, type StreamMessage } from './node.js';

describe('OdinClient', () => {
  const cleanups: Array<() => unknown> = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0)) await cleanup();
  });
  const client = (url: string, options = {}) => {
    const instance = new OdinClient({ url, backoff: { initialMs: 20, maxMs: 200 }, ...options }).connect();
    cleanups.push(() => instance.close());
    return instance;
  };

  it("asks for snapshots and marks a state channel's snapshot apart from the live updates after it", async () => {
    const server = await scriptedServer((socket) => {
      socket.on('message', (data) => {
        const message = JSON.parse(data.toString()) as { type: string; id: string; data: { channels: string[] } };
        if (message.type !== 'subscribe') return;
        socket.send(JSON.stringify({ type: 'subscription_ack', subscribed: message.data.channels, count: 1, snapshots: ['SOL.book'], id: message.id }));
        socket.send(JSON.stringify({ type: 'price:update', snapshot: true, channel: 'SOL.book', pos: { partition: 0, offset: 7 }, ts: 1, data: { n: 7 } }));
        socket.send(envelope('SOL.book', 8));
      });
    });
    cleanups.push(server.close);
    const messages: StreamMessage[] = [];
    client(server.url).subscribe('SOL.book', (message) => messages.push(message));
    await until('the snapshot and a live update', () => messages.length === 2);
    expect(server.requests[0]).toMatchObject({ type: 'subscribe', data: { channels: ['SOL.book'], snapshot: true } });
    expect(messages.map((m) => [m.pos.offset, m.snapshot, m.replayed])).toEqual([
      [7, true, false],
      [8, false, false],
    ]);
  });

  it('delivers to callbacks and async iterators, tracks positions and drops duplicates', async () => {
    const server = await scriptedServer((socket) => {
      ackSubscribes(socket);
      socket.on('message', () => {
        for (const offset of [1, 2, 2, 1, 3]) socket.send(envelope('BTC.trade', offset));
      });
    });
    cleanups.push(server.close);
    const odin = client(server.url);
    const seen: number[] = [];
    const subscription = odin.subscribe<{ n: number }>('BTC.trade', (message) => seen.push(message.data.n));
    const iterated: Array<StreamMessage<{ n: number }>> = [];
    for await (const message of subscription) {
      iterated.push(message);
      if (iterated.length === 3) break;
    }
    await subscription.ready;
    expect(seen).toEqual([1, 2, 3]);
    expect(iterated.map((m) => m.pos.offset)).toEqual([1, 2, 3]);
    expect(odin.positions()).toEqual({ 'BTC.trade': { partition: 0, offset: 3 } });
    expect(odin.stats().duplicatesDropped).toBe(2);
  });

  it('resubscribes a rate variant after a cut without a position, to restart from its snapshot', async () => {
    const server = await scriptedServer((socket, index) => {
      ackSubscribes(socket);
      socket.on('message', () => {
        socket.send(envelope('SOL.book@250ms', 10 + index));
        if (index === 0) setTimeout(() => socket.terminate(), 20);
      });
    });
    cleanups.push(server.close);
    const odin = client(server.url);
    const recoveries: RecoveryEvent[] = [];
    odin.on('recovery', (event) => recoveries.push(event));
    const messages: StreamMessage[] = [];
    odin.subscribe('SOL.book@250ms', (message) => messages.push(message));
    await until('the update after the reconnect', () => messages.length === 2);
    const again = server.requests.find((request) => request['connection'] === 1 && request['type'] === 'subscribe');
    expect(again!['data']).toEqual({ channels: ['SOL.book@250ms'], snapshot: true });
    expect(recoveries).toEqual([]);
  });

  it('resubscribes with its positions after a cut and surfaces what the server recovered', async () => {
    const server = await scriptedServer((socket, index) => {
      if (index === 0) {
        ackSubscribes(socket);
        socket.on('message', () => {
          socket.send(envelope('BTC.trade', 10));
          setTimeout(() => socket.terminate(), 20);
        });
      } else {
        ackSubscribes(socket, { 'BTC.trade': { recovered: true, replayed: 1 } });
        socket.on('message', () => {
          socket.send(envelope('BTC.trade', 11));
          socket.send(envelope('BTC.trade', 12));
        });
      }
    });
    cleanups.push(server.close);
    const odin = client(server.url);
    const recoveries: RecoveryEvent[] = [];
    odin.on('recovery', (event) => recoveries.push(event));
    const messages: StreamMessage[] = [];
    odin.subscribe('BTC.trade', (message) => messages.push(message));
    odin.subscribe('ETH.trade');
    await until('three messages', () => messages.length === 3);
    const resume = server.requests.find((request) => request['connection'] === 1 && request['type'] === 'subscribe');
    expect(resume!['data']).toEqual({ channels: ['BTC.trade', 'ETH.trade'], since: { 'BTC.trade': { partition: 0, offset: 10 } }, snapshot: true });
    expect(recoveries).toEqual([
      { channel: 'ETH.trade', recovered: false, reason: 'NO_POSITION' },
      { channel: 'BTC.trade', recovered: true, replayed: 1 },
    ]);
    expect(messages.map((m) => [m.pos.offset, m.replayed])).toEqual([
      [10, false],
      [11, true],
      [12, false],
    ]);
  });

  it.each([['POSITION_AHEAD'], ['POSITION_TOO_OLD'], ['UNKNOWN_POSITION'], ['REPLAY_TOO_LARGE'], ['HISTORY_DISABLED']])(
    'forgets a position the server cannot resume from (%s): every later envelope is delivered, whatever its offset',
    async (reason) => {
      const server = await scriptedServer((socket, index) => {
        if (index === 0) {
          ackSubscribes(socket);
          socket.on('message', () => {
            socket.send(envelope('BTC.trade', 500));
            setTimeout(() => socket.terminate(), 20);
          });
        } else {
          // Another cluster (or a re-created topic): offsets start again from 0.
          ackSubscribes(socket, { 'BTC.trade': { recovered: false, reason } });
          socket.on('message', () => {
            for (const offset of [0, 1, 2, 3]) socket.send(envelope('BTC.trade', offset));
          });
        }
      });
      cleanups.push(server.close);
      const odin = client(server.url);
      const recoveries: RecoveryEvent[] = [];
      odin.on('recovery', (event) => recoveries.push(event));
      const seen: number[] = [];
      odin.subscribe<{ n: number }>('BTC.trade', (message) => seen.push(message.pos.offset));
      await until('the four envelopes after the failover', () => seen.length === 5);
      expect(seen).toEqual([500, 0, 1, 2, 3]);
      expect(odin.stats().duplicatesDropped).toBe(0);
      expect(recoveries).toEqual([{ channel: 'BTC.trade', recovered: false, reason }]);
      expect(odin.positions()).toEqual({ 'BTC.trade': { partition: 0, offset: 3 } });
    },
  );

  it('resumes from a saved position given as since, on the first subscribe', async () => {
    const server = await scriptedServer((socket) => ackSubscribes(socket, { 'BTC.trade': { recovered: true, replayed: 0 } }));
    cleanups.push(server.close);
    const odin = client(server.url);
    const subscription = odin.subscribe('BTC.trade', { since: { partition: 3, offset: 41 } });
    await subscription.ready;
    expect(server.requests[0]).toMatchObject({ type: 'subscribe', data: { channels: ['BTC.trade'], since: { 'BTC.trade': { partition: 3, offset: 41 } } } });
    for (const since of [{ partition: -1, offset: 0 }, { partition: 0, offset: 1.5 }, { partition: 0 }, 'p0:1']) {
      expect(() => odin.subscribe('ETH.trade', { since } as never)).toThrowError(
        expect.objectContaining({ code: 'E_INVALID_POSITION', details: { value: since } }),
      );
    }
  });

  it('starts again on connect() after close(), and still answers positions() after close()', async () => {
    const server = await scriptedServer((socket) => {
      ackSubscribes(socket);
      socket.on('message', (data) => {
        if (JSON.parse(data.toString()).type === 'subscribe') socket.send(envelope('BTC.trade', 7));
      });
    });
    cleanups.push(server.close);
    const odin = client(server.url);
    const first: number[] = [];
    odin.subscribe('BTC.trade', (message) => first.push(message.pos.offset));
    await until('an envelope', () => first.length === 1);
    odin.close();
    expect(odin.state).toBe('closed');
    expect(odin.positions()).toEqual({ 'BTC.trade': { partition: 0, offset: 7 } });
    expect(() => odin.subscribe('BTC.trade')).toThrowError(expect.objectContaining({ code: 'E_CLIENT_CLOSED' }));
    odin.connect();
    const again: number[] = [];
    await odin.subscribe('BTC.trade', (message) => again.push(message.pos.offset)).ready;
    await until('an envelope after reconnecting', () => again.length === 1);
    expect(server.connections()).toBe(2);
    expect(odin.state).toBe('open');
  });

  it('subscribes again to a channel after unsubscribing from it', async () => {
    const server = await scriptedServer((socket) => {
      ackSubscribes(socket);
      socket.on('message', (data) => {
        if (JSON.parse(data.toString()).type === 'subscribe') socket.send(envelope('BTC.trade', server.requests.length));
      });
    });
    cleanups.push(server.close);
    const odin = client(server.url);
    const first = odin.subscribe('BTC.trade');
    await first.ready;
    first.unsubscribe();
    const seen: number[] = [];
    const second = odin.subscribe('BTC.trade', (message) => seen.push(message.pos.offset));
    expect(second).not.toBe(first);
    await second.ready;
    await until('an envelope on the new subscription', () => seen.length > 0);
    expect(server.requests.map((request) => request['type'])).toEqual(['subscribe', 'unsubscribe', 'subscribe']);
    expect(second.state).toBe('subscribed');
  });

  it('waits at least the retryMs of a 1013 before coming back', async () => {
    const server = await scriptedServer((socket, index) => {
      if (index === 0) socket.close(1013, '{"code":"OVERLOADED","retryMs":300}');
      else ackSubscribes(socket);
    });
    cleanups.push(server.close);
    const reconnects: ReconnectEvent[] = [];
    const odin = client(server.url);
    odin.on('reconnect', (event) => reconnects.push(event));
    const cutAt = Date.now();
    await until('a second connection', () => server.connections() === 2);
    expect(Date.now() - cutAt).toBeGreaterThanOrEqual(290);
    expect(reconnects[0]).toMatchObject({ code: 1013, cause: 'OVERLOADED', attempt: 1 });
    expect(reconnects[0]!.delayMs).toBeGreaterThanOrEqual(300);
    await until('open', () => odin.state === 'open');
  });

  it('gives up on a close that reconnecting would repeat, and ends its iterators', async () => {
    const server = await scriptedServer((socket) => socket.close(1009, '{"code":"MESSAGE_TOO_BIG"}'));
    cleanups.push(server.close);
    const odin = client(server.url);
    const errors: string[] = [];
    odin.on('error', (error) => errors.push(error.code));
    const iterator = odin.subscribe('BTC.trade')[Symbol.asyncIterator]();
    expect(await iterator.next()).toEqual({ value: undefined, done: true });
    expect(odin.state).toBe('closed');
    expect(errors).toEqual(['E_CONNECTION_REFUSED']);
    expect(server.connections()).toBe(1);
  });

  it('treats an unanswered ping as a dead connection and reconnects', async () => {
    const server = await scriptedServer((socket, index) => {
      if (index > 0) ackSubscribes(socket); // the first connection swallows everything
    });
    cleanups.push(server.close);
    const reconnects: ReconnectEvent[] = [];
    const odin = client(server.url, { heartbeatIntervalMs: 50, heartbeatTimeoutMs: 100 });
    odin.on('reconnect', (event) => reconnects.push(event));
    await until('a second connection', () => server.connections() === 2);
    expect(reconnects[0]).toMatchObject({ cause: 'HEARTBEAT_TIMEOUT' });
  });

  it('unsubscribes on the server and ends the loops of that channel only', async () => {
    const server = await scriptedServer((socket) => ackSubscribes(socket));
    cleanups.push(server.close);
    const odin = client(server.url);
    const btc = odin.subscribe('BTC.trade');
    odin.subscribe('ETH.trade');
    await btc.ready;
    const loop = btc[Symbol.asyncIterator]();
    btc.unsubscribe();
    expect(await loop.next()).toEqual({ value: undefined, done: true });
    await until('the unsubscribe request', () => server.requests.find((request) => request['type'] === 'unsubscribe'));
    expect(server.requests.find((request) => request['type'] === 'unsubscribe')!['data']).toEqual({ channels: ['BTC.trade'] });
    expect(odin.stats().channels).toBe(1);
    expect(odin.subscribe('BTC.trade')).not.toBe(btc); // a fresh subscription, with no position
  });

  it('rejects a subscription the server refuses, and an invalid channel before sending it', async () => {
    const server = await scriptedServer((socket) => {
      socket.on('message', (data) => {
        const { id } = JSON.parse(data.toString()) as { id: string };
        socket.send(JSON.stringify({ type: 'error', code: 'TOO_MANY_CHANNELS', message: 'limit', id }));
      });
    });
    cleanups.push(server.close);
    const odin = client(server.url);
    await expect(odin.subscribe('BTC.trade').ready).rejects.toMatchObject({
      code: 'E_SERVER_ERROR',
      details: { serverCode: 'TOO_MANY_CHANNELS', channels: ['BTC.trade'] },
    });
    expect(() => odin.subscribe('bad channel')).toThrow(expect.objectContaining({ code: 'E_INVALID_CHANNEL' }));
  });

  it('fails a for-await loop that falls too far behind instead of skipping messages', async () => {
    const server = await scriptedServer((socket) => {
      ackSubscribes(socket);
      socket.on('message', () => {
        for (let offset = 1; offset <= 20; offset++) socket.send(envelope('BTC.trade', offset));
      });
    });
    cleanups.push(server.close);
    const odin = client(server.url, { iteratorBuffer: 5 });
    const iterator = odin.subscribe('BTC.trade')[Symbol.asyncIterator]();
    await until('the backlog', () => odin.positions()['BTC.trade']?.offset === 20);
    const offsets: number[] = [];
    await expect(
      (async () => {
        for (;;) {
          const result = await iterator.next();
          if (result.done) return;
          offsets.push(result.value.pos.offset);
        }
      })(),
    ).rejects.toMatchObject({ code: 'E_ITERATOR_OVERFLOW' });
    expect(offsets).toEqual([1, 2, 3, 4, 5]);
  });
});
