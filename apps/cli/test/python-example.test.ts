import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import {
  closeProducers,
  createTestTopic,
  type FrameDroppingProxy,
  produce,
  type ShardProcess,
  seedValue,
  stablePortRange,
  startFrameDroppingProxy,
  startShardProcess,
  waitFor,
} from '@odin-ws/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';

// examples/python/odin_client.py, a client written from docs/protocol.md alone in another language: it
// decodes the wire vectors, and against a real shard it rebuilds every envelope byte for byte, notices a
// record withheld on the way from `prev`, and resumes with `since` across a shard restart.

const repo = fileURLToPath(new URL('../../../', import.meta.url));
const script = `${repo}examples/python/odin_client.py`;

describe('the Python reference client (examples/python)', () => {
  let python: string;
  let shard: ShardProcess | undefined;
  let proxy: FrameDroppingProxy | undefined;
  let child: ChildProcess | undefined;
  const sockets: WebSocket[] = [];

  beforeAll(() => {
    // Its venv (one package from PyPI), made once and cached: scripts/python-example.sh.
    python = execFileSync('bash', [`${repo}scripts/python-example.sh`], { encoding: 'utf8', timeout: 240_000 }).trim();
  }, 300_000);

  afterAll(async () => {
    child?.kill('SIGKILL');
    for (const socket of sockets) socket.terminate();
    await proxy?.close();
    await shard?.stop();
    await closeProducers();
  });

  it('decodes every vector of docs/wire-vectors.json it takes and refuses every invalid frame', () => {
    const output = execFileSync(python, [script, '--vectors', `${repo}docs/wire-vectors.json`], { encoding: 'utf8', timeout: 30_000 });
    const result = JSON.parse(output) as { checked: number; failures: string[] };
    expect(result.failures).toEqual([]);
    expect(result.checked).toBeGreaterThanOrEqual(18);
  }, 60_000);

  it('against a real shard: deflate deltas and compressed frames byte-equal to plain, a withheld frame caught from prev, a restart resumed', async () => {
    const [books, trades] = await Promise.all([createTestTopic('py-books', 1), createTestTopic('py-trades', 1)]);
    // Below the ephemeral range: the restarted shard binds it again, after outgoing sockets came and went.
    const port = await stablePortRange(1);
    const args = [`--channel-map=${books}=book,${trades}=trade`, '--permessage-deflate=off'];
    shard = await startShardProcess({ topics: [books, trades], args, port });
    // The 8th PY.trade frame (a compressed one) never reaches the Python client.
    let trade = 0;
    const isZlibFrame = (payload: string) => payload.charCodeAt(0) === 1 || payload.charCodeAt(0) === 2;
    proxy = await startFrameDroppingProxy({ host: '127.0.0.1', port }, (payload) => isZlibFrame(payload) && payload.includes('PY.trade') && ++trade === 8);
    // A plain subscriber's envelopes as the text it read: what every decoded envelope must equal (every
    // shard sends a record as the same bytes, so the one after the restart adds to the same list).
    const plainTexts = new Set<string>();
    const follow = async (url: string) => {
      const reference = new WebSocket(url, { perMessageDeflate: false });
      reference.on('message', (data) => plainTexts.add(data.toString()));
      await new Promise((resolve) => reference.once('open', resolve));
      sockets.push(reference);
      reference.send(JSON.stringify({ type: 'subscribe', data: { channels: ['PY.book', 'PY.trade'] } }));
    };
    await follow(shard.url);
    const lines: Array<Record<string, unknown>> = [];
    child = spawn(python, [script, '--url', proxy.url, '--delta', 'PY.book', '--compress', 'PY.trade', '--until', '40'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let pending = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      pending += chunk.toString('utf8');
      for (let end = pending.indexOf('\n'); end !== -1; end = pending.indexOf('\n')) {
        lines.push(JSON.parse(pending.slice(0, end)) as Record<string, unknown>);
        pending = pending.slice(end + 1);
      }
    });
    await waitFor('the Python client subscribed', () => (lines.filter((line) => line['event'] === 'ack').length >= 2 ? true : undefined), 20_000);
    const record = (n: number) => [{ key: 'PY', value: seedValue({ n, bids: [['182.41', `${n}.5`]], asks: [['182.43', '7']] }, 'ORDERBOOK_UPDATE') }];
    const send = async (from: number, to: number) => {
      for (let n = from; n <= to; n++) {
        await produce(books, record(n));
        await produce(trades, [{ key: 'PY', value: seedValue({ n }) }]);
      }
    };
    await send(1, 12);
    await waitFor('the first 12 of each', () => (envelopes('PY.trade').length >= 12 && envelopes('PY.book').length >= 12 ? true : undefined), 20_000);
    // A shard restarted on the same port: the client reconnects through the proxy once the new shard is
    // ready (as a load balancer lets it), and resumes each channel with since, deltas included.
    proxy.accepting = false;
    await shard.stop();
    shard = await startShardProcess({ topics: [books, trades], args, port });
    proxy.accepting = true;
    await follow(shard.url);
    await send(13, 20);
    await waitFor('all 20 of each', () => (envelopes('PY.trade').length >= 20 && envelopes('PY.book').length >= 20 ? true : undefined), 30_000);
    const expected = (channel: string) => [...plainTexts].filter((text) => text.includes(`"type":"price:update","channel":"${channel}"`));
    await waitFor('the reference has all 40', () => (expected('PY.book').length + expected('PY.trade').length >= 40 ? true : undefined), 10_000);

    function envelopes(channel: string): string[] {
      return lines.filter((line) => line['event'] === 'envelope' && line['channel'] === channel).map((line) => line['text'] as string);
    }
    // Byte for byte the plain envelopes, each once, in order, across the withheld frame and the restart.
    expect(envelopes('PY.trade')).toEqual(expected('PY.trade'));
    expect(envelopes('PY.book')).toEqual(expected('PY.book'));
    expect(proxy.dropped).toHaveLength(1);
    expect(lines.filter((line) => line['event'] === 'gap')).toEqual([expect.objectContaining({ channel: 'PY.trade' })]);
    expect(lines.filter((line) => line['event'] === 'delta_failed')).toEqual([]);
    expect(lines.some((line) => line['event'] === 'reconnect')).toBe(true);
  }, 120_000);
});
