import { defaultOptionValues, shardConfigFrom } from '@odin-ws/config';
import type { RecordSource, SourceBatch, SourceState } from '@odin-ws/kafka';
import { createLogger } from '@odin-ws/observability';
import { Registry } from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';
import { ChannelMapper } from './ingest/index.js';
import { ShardServer } from './shard-server.js';

// The whole shard in this process, on real uWS sockets, fed by a record source the test pushes
// batches into: the wiring of ShardServer without Kafka or child processes.

class PushSource implements RecordSource {
  private onBatch: ((batch: SourceBatch) => void) | undefined;
  current: SourceState = 'consuming';
  stopped = false;
  start(onBatch: (batch: SourceBatch) => void): void {
    this.onBatch = onBatch;
  }
  push(batch: SourceBatch): void {
    this.onBatch?.(batch);
  }
  async stop(): Promise<void> {
    this.stopped = true;
    this.current = 'stopped';
  }
  /** The partition end the source reports (its high watermark), ahead of what it handed over. */
  end: number | undefined;
  state = () => this.current;
  coveredFrom = () => 0;
  endOffset = () => this.end;
  onStateChange(): void {}
  onPartitionAdded(): void {}
  onFatal(): void {}
}

const config = shardConfigFrom({ ...defaultOptionValues(), host: '127.0.0.1', port: 0, opsOnPublicPort: true, drainTimeout: 2 });
const TOPIC = config.topics[0]!;
const CHANNEL = (() => {
  const route = new ChannelMapper(config.channelMap, config.topics).channelFor(TOPIC, Buffer.from('BTC'));
  if (!route.ok) throw new Error(`no channel for BTC on ${TOPIC}`);
  return route.channel;
})();
const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

async function started() {
  const source = new PushSource();
  const server = await ShardServer.start({
    config,
    source,
    verifier: undefined,
    logger: createLogger({ level: 'silent', base: {} }),
    registry: new Registry(),
  });
  cleanups.push(() => server.drain());
  return { source, server, url: `ws://127.0.0.1:${server.port}/ws` };
}

/** A WebSocket client (Node's own) that keeps every message and its close code. */
async function client(url: string) {
  const socket = new WebSocket(url);
  const messages: Array<Record<string, unknown>> = [];
  const closed = new Promise<number>((resolve) => socket.addEventListener('close', (event) => resolve(event.code)));
  socket.addEventListener('message', (event) => messages.push(JSON.parse(String(event.data))));
  await new Promise((resolve, reject) => {
    socket.addEventListener('open', resolve);
    socket.addEventListener('error', reject);
  });
  cleanups.push(() => socket.close());
  const next = async (count: number) => {
    const deadline = Date.now() + 3000;
    while (messages.length < count && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10));
    return messages[count - 1];
  };
  return { socket, messages, closed, next };
}

describe('ShardServer', () => {
  it("publishes a pushed batch to the channel's subscribers, and counts them in its health", async () => {
    const { source, server, url } = await started();
    const subscriber = await client(url);
    subscriber.socket.send(JSON.stringify({ type: 'subscribe', channels: [CHANNEL] }));
    expect(await subscriber.next(1)).toMatchObject({ type: 'subscription_ack', subscribed: [CHANNEL] });
    expect(server.health()).toMatchObject({ status: 'ok', connections: 1, subscriptions: 1, channels: 1 });
    source.push({
      topic: TOPIC,
      partition: 3,
      lag: 0,
      records: [{ topic: TOPIC, partition: 3, offset: 41, key: Buffer.from('BTC'), value: Buffer.from('{"p":1}'), timestamp: 5 }],
    });
    expect(await subscriber.next(2)).toMatchObject({ channel: CHANNEL, pos: { partition: 3, offset: 41 }, data: { p: 1 } });
  });

  it('drains: clients get 1012, the source stops, and health says draining', async () => {
    const { source, server, url } = await started();
    const subscriber = await client(url);
    await server.drain();
    expect(await subscriber.closed).toBe(1012);
    expect(source.stopped).toBe(true);
    expect(server.health()).toMatchObject({ status: 'draining', draining: true, connections: 0 });
  });

  it('answers a resume from a position fetched but not yet published here only once it is, so no record comes twice', async () => {
    const { source, url } = await started();
    const batch = (from: number, to: number) =>
      source.push({
        topic: TOPIC,
        partition: 0,
        lag: 0,
        records: Array.from({ length: to - from + 1 }, (_, i) => ({
          topic: TOPIC,
          partition: 0,
          offset: from + i,
          key: Buffer.from('BTC'),
          value: Buffer.from(`{"n":${from + i}}`),
          timestamp: 5,
        })),
      });
    // The source has seen the partition's end at 10, but only 0-4 went out here; the client held 6.
    source.end = 10;
    batch(0, 4);
    const { socket, messages } = await client(url);
    socket.send(JSON.stringify({ type: 'subscribe', data: { channels: [CHANNEL], since: { [CHANNEL]: { partition: 0, offset: 6 } } } }));
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(messages).toEqual([]); // waiting: answering now would send 5 and 6 again, live
    batch(5, 9);
    const deadline = Date.now() + 3000;
    while (messages.length < 4 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10));
    expect(messages[0]).toMatchObject({ type: 'subscription_ack', recovery: { [CHANNEL]: { recovered: true, replayed: 3 } } });
    expect(messages.slice(1).map((message) => (message['pos'] as { offset: number }).offset)).toEqual([7, 8, 9]);
  });
});
