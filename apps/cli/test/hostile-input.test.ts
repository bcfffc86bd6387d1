import { readFileSync } from 'node:fs';
import { type Socket, connect as tcpConnect } from 'node:net';
import {
  closeProducers,
  createTestTopic,
  exchangeRaw,
  httpStatusOf,
  type LoadBalancerProcess,
  produce,
  type RawExchange,
  rawWebSocket,
  type ShardProcess,
  seedValue,
  sleep,
  startLoadBalancerProcess,
  startShardProcess,
  TestClient,
  waitFor,
} from '@odin-ws/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Answer, answerFor, HOSTILE_CASES, type Send, type Tier } from './hostile-cases.js';

/** How long "no answer" is watched before it counts as ignored. */
const QUIET_MS = 1500;

/**
 * Hostile input at both tiers: each case gets its documented answer (docs/hostile-input.md), the
 * process stays healthy, and a bystander client on the same tier keeps receiving.
 */
describe('hostile input', () => {
  let topic: string;
  let shard: ShardProcess;
  let lb: LoadBalancerProcess;
  const bystanders = new Map<Tier, TestClient>();
  const opened: Array<TestClient | Socket> = [];
  const ports = () => ({ shard: shard.port, loadbalancer: lb.port });
  let sequence = 0;

  beforeAll(async () => {
    topic = await createTestTopic('hostile', 2);
    shard = await startShardProcess({
      topics: [topic],
      args: [`--channel-map=${topic}=trade`, '--max-subscriptions=5', '--max-message-size=1024', '--client-rate-limit=20'],
    });
    lb = await startLoadBalancerProcess({ backendUrls: [shard.url] });
    await lb.waitForShardsReady();
    for (const tier of ['shard', 'loadbalancer'] as const) {
      const bystander = await TestClient.connect(`ws://127.0.0.1:${ports()[tier]}/ws`);
      await bystander.subscribe(['OK.trade']);
      bystanders.set(tier, bystander);
    }
  });

  afterAll(async () => {
    for (const client of [...opened, ...bystanders.values()]) client instanceof TestClient ? client.terminate() : client.destroy();
    await lb?.stop();
    await shard?.stop();
    await closeProducers();
  });

  /** Both bystanders still get a fresh record and both processes answer /health. */
  const nothingElseBroke = async () => {
    const n = ++sequence;
    await produce(topic, [{ key: 'OK', value: seedValue({ n }) }]);
    for (const [tier, bystander] of bystanders) {
      await waitFor(`${tier} bystander record ${n}`, () => bystander.dataMessages('OK.trade').some((m) => (m['data'] as { data: { n: number } }).data.n === n));
      expect(bystander.closed, `${tier} bystander`).toBeUndefined();
    }
    expect((await fetch(`${shard.httpUrl}/health`)).status).toBe(200);
    expect((await fetch(`${lb.httpUrl}/health`)).status).toBe(200);
  };

  describe.each(['shard', 'loadbalancer'] as const)('at the %s', (tier) => {
    it.each(HOSTILE_CASES.map((hostile) => [hostile.label, hostile.send, answerFor(hostile, tier)] as const))('%s', async (_label, send, answer) => {
      await expectAnswer(ports()[tier], send, answer, opened);
      await nothingElseBroke();
    });

    it('a message flood past the rate limit: one RATE_LIMIT_EXCEEDED notice, the excess dropped', async () => {
      const client = await TestClient.connect(`ws://127.0.0.1:${ports()[tier]}/ws`);
      opened.push(client);
      for (let i = 0; i < 200; i++) client.send({ type: 'ping' });
      await waitFor('rate limit notice', () => client.messages.find((m) => m['code'] === 'RATE_LIMIT_EXCEEDED'));
      await sleep(300);
      expect(client.messages.filter((m) => m['type'] === 'pong').length).toBeLessThanOrEqual(45); // burst 2 x 20 plus refill
      expect(client.messages.filter((m) => m['code'] === 'RATE_LIMIT_EXCEEDED')).toHaveLength(1);
      expect(client.closed).toBeUndefined();
      await nothingElseBroke();
    });

    it('100 handshakes that never finish are dropped within the header timeout', async () => {
      const sockets = await Promise.all(
        Array.from(
          { length: 100 },
          (_, i) =>
            new Promise<Socket>((resolve) => {
              const socket = tcpConnect(ports()[tier], '127.0.0.1', () => {
                // Half send part of a request; the other half say nothing at all.
                if (i % 2 === 0) socket.write('GET /ws HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\n');
                resolve(socket);
              });
              socket.on('error', () => undefined);
              socket.resume(); // read (and drop) whatever the server answers, so its FIN is seen
            }),
        ),
      );
      opened.push(...sockets);
      await nothingElseBroke(); // served while the half-open handshakes sit there
      await waitFor('every slow handshake dropped', () => sockets.every((socket) => socket.closed || socket.readableEnded), 25_000, 250);
      await nothingElseBroke();
    }, 40_000);
  });

  it('docs/hostile-input.md lists every case', () => {
    const doc = readFileSync(new URL('../../../docs/hostile-input.md', import.meta.url), 'utf8');
    for (const { label } of HOSTILE_CASES) expect(doc, label).toContain(`| ${label} |`);
  });

  it("docs/hostile-input.md names, for each of the security review's findings, tests that exist", () => {
    const doc = readFileSync(new URL('../../../docs/hostile-input.md', import.meta.url), 'utf8');
    const section = doc.slice(doc.indexOf("## The security review's findings"), doc.indexOf('## Tokens'));
    const rows = section.split('\n').filter((line) => /^\| \d+\. /.test(line));
    expect(new Set(rows.map((row) => Number(/^\| (\d+)\./.exec(row)![1])))).toEqual(new Set(Array.from({ length: 21 }, (_, i) => i + 1)));
    for (const row of rows) {
      const testCell = row.split(' | ').at(-1)!;
      // `file`: "title", "title"; `other file`: "title"
      for (const [, file, titles] of testCell.matchAll(/`([^`]+)`(?:: ((?:"[^"]+"(?:, )?)+))?/g)) {
        const source = readFileSync(new URL(`../../../${file}`, import.meta.url), 'utf8');
        for (const [, title] of (titles ?? '').matchAll(/"([^"]+)"/g)) expect(source, `${file}: ${title}`).toContain(title!);
      }
    }
  });
});

async function expectAnswer(port: number, send: Send, answer: Answer, opened: Array<TestClient | Socket>): Promise<void> {
  if ('http' in send) return expectRawAnswer(await exchangeRaw({ port }, send.http, QUIET_MS), answer);
  if ('frames' in send) {
    const { socket } = await rawWebSocket(port);
    opened.push(socket);
    return expectRawAnswer(await exchangeRaw({ socket }, send.frames, QUIET_MS), answer);
  }
  const client = await TestClient.connect(`ws://127.0.0.1:${port}/ws`);
  opened.push(client);
  const seen = client.messages.length;
  if ('text' in send) client.send(send.text);
  else client.socket.send(send.binary);
  if ('error' in answer || 'reply' in answer) {
    const type = 'error' in answer ? 'error' : answer.reply;
    const reply = await waitFor(`a ${type} reply`, () => client.messages.slice(seen).find((m) => m['type'] === type));
    if ('error' in answer) expect(reply).toMatchObject({ code: answer.error, message: expect.any(String) });
    await sleep(50);
    expect(client.closed).toBeUndefined();
    return;
  }
  const closed = await client.closedPromise;
  if ('close' in answer) {
    expect(closed.code).toBe(answer.close);
    if (answer.reason) expect(JSON.parse(closed.reason)).toMatchObject({ code: answer.reason });
  } else {
    expect(answer).toEqual({ cut: true });
    expect(closed.code).toBe(1006);
  }
}

function expectRawAnswer({ received, closed }: RawExchange, answer: Answer): void {
  const text = received.toString('latin1');
  if ('http' in answer) {
    expect(httpStatusOf(received), text.slice(0, 200)).toBe(answer.http);
    // The body may come chunked (Node's keep-alive answers): the JSON object inside is what counts.
    if (answer.code) expect(JSON.parse(/\{.*\}/s.exec(text)![0]).error).toBe(answer.code);
  } else if ('cut' in answer) {
    expect(closed).toBe(true);
    expect(received.includes(0x88), 'no close frame').toBe(false);
  } else if ('emptyClose' in answer) {
    expect(received.equals(Buffer.from([0x88, 0x00]))).toBe(true);
    expect(closed).toBe(true);
  } else if ('ignored' in answer) {
    expect(received.length).toBe(0);
    expect(closed).toBe(false);
  } else {
    throw new Error(`a raw exchange cannot be checked against ${JSON.stringify(answer)}`);
  }
}
