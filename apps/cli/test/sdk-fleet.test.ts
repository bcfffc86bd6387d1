import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  createTestTopic,
  freePort,
  type LoadBalancerProcess,
  metricValue,
  produce,
  type ShardProcess,
  seedValue,
  startLoadBalancerProcess,
  startShardProcess,
  waitFor,
} from '@odin-ws/testkit';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { secretFile, token } from './auth-helpers.js';
import { installPackedSdk, type SdkUser, type UserScript } from './sdk-user.js';

/**
 * The packed SDK, installed in an empty folder, in a Node program of its own, against a real fleet
 * (shards, the load balancer, Kafka): what a trading app relies on after a failover, a refused
 * token and a restart.
 */

/** A program that follows one channel and prints every message, recovery, error and state as JSON lines. */
const follower = `import { OdinClient } from '@odin-ws/client';
const [url, channel, since, exitAfter] = process.argv.slice(2);
const print = (line) => console.log(JSON.stringify(line));
const client = new OdinClient({ url, backoff: { initialMs: 200, maxMs: 1000 } }).connect();
client.on('recovery', (event) => print({ type: 'recovery', ...event }));
client.on('error', (error) => print({ type: 'error', code: error.code, serverCode: error.details.serverCode }));
const options = since ? { since: JSON.parse(since) } : {};
client.subscribe(channel, options, (message) => {
  // The envelope's data is the record's value: the seed format, { type, timestamp, data }.
  const n = message.data.data.n;
  print({ type: 'message', n, pos: message.pos, replayed: message.replayed });
  if (exitAfter !== undefined && n === Number(exitAfter)) {
    print({ type: 'done', stats: client.stats(), positions: client.positions() });
    client.close();
    process.exit(0);
  }
}).on('subscribed', (event) => print({ type: 'subscribed', ...event }));
setTimeout(() => { print({ type: 'timeout' }); process.exit(1); }, 90_000).unref();
`;

const messagesOf = (script: UserScript) => script.lines().filter((line) => line['type'] === 'message');
const record = (key: string, n: number) => ({ key, value: seedValue({ n }) });

describe('the packed SDK against a real fleet', () => {
  let sdk: SdkUser;
  const shards: ShardProcess[] = [];
  const lbs: LoadBalancerProcess[] = [];
  const scripts: UserScript[] = [];

  beforeAll(() => {
    sdk = installPackedSdk();
  }, 180_000);

  afterEach(async () => {
    for (const script of scripts.splice(0)) script.kill();
    await Promise.all(lbs.splice(0).map((lb) => lb.stop()));
    await Promise.all(shards.splice(0).map((shard) => shard.stop()));
  });

  afterAll(async () => {
    await Promise.all(shards.map((shard) => shard.stop()));
  });

  const fleet = async (topic: string, args: string[] = [], port?: number) => {
    const shard = await startShardProcess({ topics: [topic], ...(port ? { port } : {}), args: [`--channel-map=${topic}=trade`, ...args] });
    shards.push(shard);
    return shard;
  };

  it('after a failover to a topic whose offsets start again from 0, every new live record reaches the handler', async () => {
    const [topicA, topicB] = [await createTestTopic('sdk-failover-a', 1), await createTestTopic('sdk-failover-b', 1)];
    // Cluster A has history: its offsets are far beyond where B's will start.
    await produce(
      topicA,
      Array.from({ length: 30 }, (_, i) => record('FO', i)),
    );
    const port = await freePort();
    const shardA = await fleet(topicA, [], port);
    const lb = await startLoadBalancerProcess({ backendUrls: [shardA.url] });
    lbs.push(lb);
    const script = sdk.start('failover.mjs', follower, [lb.url, 'FO.trade', '', '1019']);
    scripts.push(script);
    await waitFor('the follower subscribed', () => script.lines().some((line) => line['type'] === 'subscribed'), 20_000);
    await produce(topicA, [record('FO', 100), record('FO', 101)]);
    await waitFor('live records of A', () => messagesOf(script).length === 2, 20_000);

    // The failover: the shard at the same address now reads topic B (another cluster, in effect).
    await shardA.stop();
    shards.splice(shards.indexOf(shardA), 1);
    await fleet(topicB, [], port);
    await waitFor('the resume answered', () => script.lines().some((line) => line['type'] === 'recovery'), 30_000);
    const live = Array.from({ length: 20 }, (_, i) => 1000 + i);
    await produce(
      topicB,
      live.map((n) => record('FO', n)),
    );
    const { code } = await script.exited;
    expect(code, script.output()).toBe(0);
    expect(script.lines().find((line) => line['type'] === 'recovery')).toMatchObject({ channel: 'FO.trade', recovered: false, reason: 'POSITION_AHEAD' });
    expect(messagesOf(script).map((line) => line['n'])).toEqual([100, 101, ...live]);
    const done = script.lines().find((line) => line['type'] === 'done')!;
    expect(done['stats']).toMatchObject({ duplicatesDropped: 0 });
    expect(done['positions']).toEqual({ 'FO.trade': { partition: 0, offset: 19 } });
  }, 120_000);

  it('subscribe(channel, { since }) in a fresh process replays exactly the records after since, then live ones', async () => {
    const topic = await createTestTopic('sdk-since', 1);
    const shard = await fleet(topic);
    const lb = await startLoadBalancerProcess({ backendUrls: [shard.url] });
    lbs.push(lb);
    const first = sdk.start('first-run.mjs', follower, [lb.url, 'RS.trade', '', '10']);
    scripts.push(first);
    await waitFor('the first run subscribed', () => first.lines().some((line) => line['type'] === 'subscribed'), 20_000);
    await produce(
      topic,
      Array.from({ length: 10 }, (_, i) => record('RS', i + 1)),
    );
    expect((await first.exited).code, first.output()).toBe(0);
    // What an app saves before it exits: the position of the 4th record, as the SDK reported it.
    const saved = messagesOf(first).find((line) => line['n'] === 4)!['pos'];

    const second = sdk.start('second-run.mjs', follower, [lb.url, 'RS.trade', JSON.stringify(saved), '12']);
    scripts.push(second);
    await waitFor('the replay', () => messagesOf(second).length === 6, 20_000);
    await produce(topic, [record('RS', 11), record('RS', 12)]);
    expect((await second.exited).code, second.output()).toBe(0);
    expect(messagesOf(second).map((line) => [line['n'], line['replayed']])).toEqual([
      [5, true],
      [6, true],
      [7, true],
      [8, true],
      [9, true],
      [10, true],
      [11, false],
      [12, false],
    ]);
    expect(second.lines().find((line) => line['type'] === 'subscribed')).toMatchObject({ recovered: true, replayed: 6 });
  }, 120_000);

  it('with a token the servers refuse: an error naming the refusal within 10 s, getToken before every try, at most 8 tries, then it stops', async () => {
    const secret = join(mkdtempSync(join(tmpdir(), 'odin-sdk-auth-')), 'secret');
    writeFileSync(secret, 'the-fleet-secret-of-at-least-32-bytes!!', { mode: 0o600 });
    const topic = await createTestTopic('sdk-refused', 1);
    const shard = await fleet(topic, [`--auth-secret-file=${secret}`]);
    const lb = await startLoadBalancerProcess({ backendUrls: [shard.url], args: [`--auth-secret-file=${secret}`] });
    lbs.push(lb);
    // Well formed, signed with another secret.
    const forged = 'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiJ0cmFkZXItMSIsImV4cCI6NDEwMjQ0NDgwMH0.x7bVJ8Yv9mLwTn2QkVn3hWq5D6m0r1sT8uG4yZ2aB3c';
    const script = sdk.start(
      'refused.mjs',
      `import { OdinClient } from '@odin-ws/client';
const print = (line) => console.log(JSON.stringify(line));
const started = Date.now();
const client = new OdinClient({ url: process.argv[2], getToken: () => { print({ type: 'getToken', at: Date.now() - started }); return ${JSON.stringify(forged)}; } }).connect();
client.on('error', (error) => print({ type: 'error', at: Date.now() - started, code: error.code, serverCode: error.details.serverCode, final: error.details.final }));
client.on('state', (state) => { print({ type: 'state', state }); if (state === 'closed') setTimeout(() => process.exit(0), 50); });
client.subscribe('BTC.trade').ready.catch((error) => print({ type: 'ready', code: error.code }));
setTimeout(() => { print({ type: 'timeout' }); process.exit(1); }, 10_000).unref();
`,
      [lb.url],
    );
    scripts.push(script);
    const { code } = await script.exited;
    expect(code, script.output()).toBe(0);
    const lines = script.lines();
    const errors = lines.filter((line) => line['type'] === 'error');
    expect(errors.length).toBeGreaterThan(0);
    expect(errors[0]).toMatchObject({ code: 'E_UNAUTHORIZED', serverCode: 'TOKEN_INVALID' });
    expect(errors[0]!['at'] as number).toBeLessThan(10_000);
    expect(errors.at(-1)).toMatchObject({ final: true });
    expect(lines.find((line) => line['type'] === 'ready')).toEqual({ type: 'ready', code: 'E_UNAUTHORIZED' });
    expect(lines.filter((line) => line['type'] === 'state').map((line) => line['state'])).toContain('unauthorized');
    // Each try was preceded by its own getToken, and the LB saw no more tries than that.
    const tokens = lines.filter((line) => line['type'] === 'getToken').length;
    const tries = metricValue(await lb.metrics(), 'ws_auth_refusals_total', { code: 'TOKEN_INVALID' });
    expect(tries).toBe(errors.length);
    expect(tokens).toBe(tries);
    expect(tries).toBeLessThanOrEqual(8);
    // Refused at the LB: no shard saw a handshake.
    expect(metricValue(await lb.metrics(), 'ws_handshake_attempts_total', { shard_id: shard.shardId })).toBe(0);
  }, 60_000);

  it('sends its handshake headers (a token in Authorization, not the URL), starts again on connect() after close(), and subscribes again after unsubscribe()', async () => {
    const topic = await createTestTopic('sdk-lifecycle', 1);
    const shard = await fleet(topic, [`--auth-secret-file=${secretFile}`]);
    const lb = await startLoadBalancerProcess({ backendUrls: [shard.url], args: [`--auth-secret-file=${secretFile}`] });
    lbs.push(lb);
    const feeding = setInterval(() => void produce(topic, [record('LC', Date.now())]), 100);
    try {
      const script = sdk.start(
        'lifecycle.mjs',
        `import { OdinClient } from '@odin-ws/client';
const print = (line) => console.log(JSON.stringify(line));
const [url, token] = process.argv.slice(2);
const client = new OdinClient({ url, headers: { Authorization: 'Bearer ' + token } }).connect();
client.on('error', (error) => print({ type: 'error', code: error.code, serverCode: error.details.serverCode }));
const firstMessage = (subscription) => new Promise((resolve) => { const stop = subscription.onMessage((m) => { stop(); resolve(m); }); });
const first = client.subscribe('LC.trade');
await first.ready;
await firstMessage(first);
print({ type: 'step', step: 'streaming' });
first.unsubscribe();
const again = client.subscribe('LC.trade');
await again.ready;
await firstMessage(again);
print({ type: 'step', step: 'resubscribed', same: again === first });
client.close();
print({ type: 'step', step: 'closed', state: client.state, positions: Object.keys(client.positions()) });
client.connect();
const reopened = client.subscribe('LC.trade');
await reopened.ready;
await firstMessage(reopened);
print({ type: 'step', step: 'reopened', state: client.state });
client.close();
process.exit(0);
`,
        [lb.url, await token({ exp: Math.floor(Date.now() / 1000) + 600 })],
      );
      scripts.push(script);
      const { code } = await script.exited;
      expect(code, script.output()).toBe(0);
      expect(script.lines()).toEqual([
        { type: 'step', step: 'streaming' },
        { type: 'step', step: 'resubscribed', same: false },
        { type: 'step', step: 'closed', state: 'closed', positions: ['LC.trade'] },
        { type: 'step', step: 'reopened', state: 'open' },
      ]);
      // Two connections, both let in by the header: none refused.
      expect(metricValue(await lb.metrics(), 'ws_handshake_success_total', { shard_id: shard.shardId })).toBe(2);
      expect(metricValue(await lb.metrics(), 'ws_auth_refusals_total')).toBe(0);
    } finally {
      clearInterval(feeding);
    }
  }, 60_000);
});
