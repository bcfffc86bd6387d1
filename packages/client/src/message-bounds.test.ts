import { deflateSync } from 'node:zlib';
import { buildEnvelope, ZlibFrameKind, zlibFrameDictionary, zlibFrameHeader } from '@odin-ws/protocol';
import { createStringDelta } from 'fossil-delta';
import { afterEach, describe, expect, it } from 'vitest';
import { ackSubscribes, scriptedServer, until } from '../test-support/scripted-server.js';
import { OdinClient, type RecoveryEvent, type StreamMessage } from './node.js';

// What a hostile server (or anything on a ws:// path) can make the SDK do: these scripted servers
// send what no shard would.

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

function follow(url: string, options: ConstructorParameters<typeof OdinClient>[0] extends infer O ? Partial<O> : never, subscribe: Record<string, unknown>) {
  const odin = new OdinClient({ url, backoff: { initialMs: 20, maxMs: 200 }, ...options }).connect();
  cleanups.push(() => odin.close());
  const messages: StreamMessage[] = [];
  const recoveries: RecoveryEvent[] = [];
  odin.on('recovery', (event) => recoveries.push(event));
  odin.subscribe('SOL.book', subscribe, (message) => messages.push(message));
  return { odin, messages, recoveries };
}

describe('OdinClient bounds what a message may rebuild to (maxMessageBytes)', () => {
  it('survives a 100 MB inflate bomb in a compressed frame: DELTA_FAILED, a plain restart, and memory near the bound', async () => {
    // 100 MB of one byte, inside a valid envelope: about 100 KB compressed.
    const bomb = Buffer.concat([
      zlibFrameHeader(ZlibFrameKind.FULL, 'SOL.book'),
      deflateSync(`{"type":"price:update","channel":"SOL.book","pos":{"partition":0,"offset":1},"ts":1,"data":"${'a'.repeat(100 * 1024 * 1024)}"}`, {
        dictionary: zlibFrameDictionary(ZlibFrameKind.FULL),
        level: 9,
      }),
    ]);
    expect(bomb.length).toBeLessThan(200 * 1024);
    const server = await scriptedServer((socket) => {
      ackSubscribes(socket);
      socket.on('message', (data) => {
        const request = JSON.parse(data.toString()) as { type: string; data?: { compress?: string } };
        if (request.type !== 'subscribe') return;
        if (request.data?.compress) socket.send(bomb);
        else socket.send(buildEnvelope({ channel: 'SOL.book', partition: 0, offset: 2, ts: 2, prev: null, dataJson: '{"n":2}' }));
      });
    });
    cleanups.push(server.close);
    const before = process.memoryUsage();
    // A bound of 1 MiB keeps what the test measures far from the 100 MB the frame would take (the
    // default, 16 MiB, takes the same path): inflating stops within a step of the bound, and what
    // it allocated on the way is a few times the bound at most, garbage included.
    const { messages, recoveries } = follow(server.url, { maxMessageBytes: 1024 * 1024 }, { compress: true });
    await until('the plain restart', () => messages.length === 1, 10_000);
    const after = process.memoryUsage();
    expect(recoveries).toEqual([{ channel: 'SOL.book', recovered: false, reason: 'DELTA_FAILED' }]);
    expect(messages[0]!.data).toEqual({ n: 2 });
    const grown = after.arrayBuffers + after.heapUsed - (before.arrayBuffers + before.heapUsed);
    expect(grown, `grew ${Math.round(grown / 1048576)} MiB`).toBeLessThan(16 * 1024 * 1024);
  });

  it('refuses a Fossil delta whose declared output is past the bound, without applying it', async () => {
    // Within the bound itself; the delta is a few copies of it, small on the wire, twice its size rebuilt.
    const base = `{"n":"${'b'.repeat(860)}"}`;
    const server = await scriptedServer((socket) => {
      ackSubscribes(socket);
      socket.on('message', (data) => {
        const request = JSON.parse(data.toString()) as { type: string; data?: { delta?: string } };
        if (request.type !== 'subscribe') return;
        if (!request.data?.delta) {
          socket.send(buildEnvelope({ channel: 'SOL.book', partition: 0, offset: 3, ts: 3, prev: null, dataJson: '{"n":3}' }));
          return;
        }
        socket.send(
          buildEnvelope({ channel: 'SOL.book', partition: 0, offset: 1, ts: 1, prev: null, dataJson: base }).replace(
            ',"channel"',
            ',"snapshot":true,"channel"',
          ),
        );
        const big = createStringDelta(base, `{"n":"${'b'.repeat(1800)}"}`);
        expect(big.length).toBeLessThan(100);
        socket.send(`{"type":"price:update","channel":"SOL.book","pos":{"partition":0,"offset":2},"ts":2,"delta":${JSON.stringify({ base: 1, fossil: big })}}`);
      });
    });
    cleanups.push(server.close);
    const { messages, recoveries } = follow(server.url, { maxMessageBytes: 1024 }, { delta: 'fossil' });
    await until('the plain restart', () => messages.length === 2, 10_000);
    expect(messages.map((message) => message.pos.offset)).toEqual([1, 3]);
    expect(recoveries).toEqual([{ channel: 'SOL.book', recovered: false, reason: 'DELTA_FAILED' }]);
  });

  it('refuses, when inflated past the bound, a frame that is otherwise good', async () => {
    const envelope = buildEnvelope({ channel: 'SOL.book', partition: 0, offset: 1, ts: 1, prev: null, dataJson: `"${'c'.repeat(4096)}"` });
    const frame = Buffer.concat([
      zlibFrameHeader(ZlibFrameKind.FULL, 'SOL.book'),
      deflateSync(envelope, { dictionary: zlibFrameDictionary(ZlibFrameKind.FULL) }),
    ]);
    const server = await scriptedServer((socket) => {
      ackSubscribes(socket);
      socket.on('message', (data) => {
        if ((JSON.parse(data.toString()) as { type: string }).type === 'subscribe') socket.send(frame);
      });
    });
    cleanups.push(server.close);
    const small = follow(server.url, { maxMessageBytes: 4096 }, { compress: true });
    await until('the restart', () => small.recoveries.length === 1);
    const large = follow(server.url, { maxMessageBytes: 8192 }, { compress: true });
    await until('the message', () => large.messages.length === 1);
    expect(large.recoveries).toEqual([]);
  });
});

describe('OdinClient tokens', () => {
  it('never sends a token over ws:// to another machine unless told to (E_INSECURE_TRANSPORT), and allows wss and loopback', () => {
    const getToken = () => 't';
    expect(() => new OdinClient({ url: 'ws://md.example.com/ws', getToken })).toThrow(expect.objectContaining({ code: 'E_INSECURE_TRANSPORT' }));
    expect(() => new OdinClient({ url: 'ws://md.example.com/ws', headers: { authorization: 'Bearer t' } })).toThrow(
      expect.objectContaining({ code: 'E_INSECURE_TRANSPORT' }),
    );
    expect(() => new OdinClient({ url: 'ws://md.example.com/ws', getToken, allowInsecureTransport: true })).not.toThrow();
    expect(() => new OdinClient({ url: 'wss://md.example.com/ws', getToken })).not.toThrow();
    expect(() => new OdinClient({ url: 'ws://127.0.0.1:3001/ws', getToken })).not.toThrow();
    expect(() => new OdinClient({ url: 'ws://md.example.com/ws' })).not.toThrow();
  });

  it('calls getToken once for a burst of token_expiring, and refreshes with that one token', async () => {
    const server = await scriptedServer((socket) => {
      ackSubscribes(socket);
      for (let i = 0; i < 5; i++) socket.send(JSON.stringify({ type: 'token_expiring', expiresAt: Date.now() + 5000 }));
    });
    cleanups.push(server.close);
    let calls = 0;
    const odin = new OdinClient({
      url: server.url,
      getToken: async () => {
        calls++;
        await new Promise((resolve) => setTimeout(resolve, 50));
        return `token-${calls}`;
      },
    }).connect();
    cleanups.push(() => odin.close());
    await until('a refresh', () => server.requests.some((request) => request['type'] === 'refresh'));
    await new Promise((resolve) => setTimeout(resolve, 200));
    // One for the connection, one for the burst.
    expect(calls).toBe(2);
    expect(server.requests.filter((request) => request['type'] === 'refresh').map((request) => request['token'])).toEqual(Array(5).fill('token-2'));
  });
});
