import { MAX_GLOBS, MAX_MIDDLE_PARTS } from '@odin-ws/auth';
import { createTestTopic, type ShardProcess, sleep, startShardProcess, TestClient } from '@odin-ws/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { handshake, secretFile, token } from './auth-helpers.js';

const ATTACK_MS = 30_000;
/**
 * Connections of one token. Measured, ping p99 (max) under attack, the costliest claim allowed at
 * each stage:
 * - 256 patterns with `*` allowed: 10 connections 390 ms; 100 stalled the shard past the timeout.
 * - at most 32 with `*`, 16 middle parts: 10 connections 16 ms (27 ms).
 * - and subscribes paying for their checks: 10 connections 6 ms (17 ms), 25 6 ms (82 ms), 100 (the
 *   per-user cap) 10 ms (372 ms), where 100 connections with a plain `*` claim measured 111 ms (252 ms).
 * 25 keeps this test process, which sends the attack, from being what the pings wait for.
 */
const ATTACKERS = 25;
const CHANNELS_PER_SUBSCRIBE = 100;

/** The finding: each `*` was `.*` in a regular expression, and this took 16.5 s against 60 `a`s. */
const BACKTRACKING_PATTERN = 'a*a*a*a*a*a*a*a*b';

/**
 * The costliest claim a token may still carry: every pattern with `*` it may hold, each made to
 * cost the most against the channels below (middle parts that a substring search walks through a
 * run of `a`s and misses, long prefixes that match and suffixes that then miss), then one pattern
 * that grants, so every channel of a subscribe is checked against all of them.
 */
const costliestClaim = () => [
  ...Array.from({ length: MAX_MIDDLE_PARTS }, (_, i) => `*${'a'.repeat(60)}b${i}*z`),
  ...Array.from({ length: MAX_GLOBS - MAX_MIDDLE_PARTS - 1 }, (_, i) => `${'a'.repeat(100)}*q${i}`),
  '*z',
];
/** Fresh names every time (128 characters: the longest allowed), so no cache could answer them. */
let named = 0;
const attackChannels = () => Array.from({ length: CHANNELS_PER_SUBSCRIBE }, () => `${'a'.repeat(116)}${String(named++).padStart(11, '0')}z`);

/** Round trips of app-level pings, one at a time, every 20 ms: what the shard's event loop costs a client. */
async function pingRoundTrips(client: TestClient, durationMs: number): Promise<number[]> {
  const trips: number[] = [];
  const end = Date.now() + durationMs;
  for (let id = 1; Date.now() < end; id++) {
    const sent = performance.now();
    const pong = new Promise<void>((resolve) => {
      const onMessage = (data: Buffer) => {
        const message = JSON.parse(data.toString()) as Record<string, unknown>;
        if (message['type'] === 'pong' && message['id'] === id) {
          client.socket.off('message', onMessage);
          resolve();
        }
      };
      client.socket.on('message', onMessage);
    });
    client.send({ type: 'ping', id });
    await pong;
    trips.push(performance.now() - sent);
    await sleep(20);
  }
  return trips;
}

const percentile = (values: number[], p: number) => [...values].sort((a, b) => a - b)[Math.min(values.length - 1, Math.floor((p / 100) * values.length))]!;

describe('hostile channel patterns against a real shard', () => {
  let shard: ShardProcess;
  const clients: TestClient[] = [];

  beforeAll(async () => {
    const topic = await createTestTopic('pattern-stall', 1);
    shard = await startShardProcess({ topics: [topic], args: [`--channel-map=${topic}=trade`, `--auth-secret-file=${secretFile}`] });
  }, 60_000);

  afterAll(async () => {
    for (const client of clients) client.terminate();
    await shard?.stop();
  });

  it(
    `costs the shard's other clients no more than 50 ms over ${ATTACK_MS / 1000} s of attack`,
    async () => {
      const bystander = await TestClient.connect(`${shard.url}?token=${await token({ sub: 'bystander' })}`);
      clients.push(bystander);
      const calm = await pingRoundTrips(bystander, 2000);

      // The finding's own pattern is refused at the handshake.
      expect(await handshake(`${shard.url}?token=${await token({ channels: [BACKTRACKING_PATTERN] })}`)).toEqual({ status: 401, code: 'TOKEN_CLAIMS_INVALID' });
      // One user with the costliest claim still allowed, on ATTACKERS connections, subscribing and
      // unsubscribing 100 fresh channels as fast as the message rate limit lets each connection.
      const attackToken = await token({ sub: 'attacker', channels: costliestClaim() });
      const attackers = await Promise.all(Array.from({ length: ATTACKERS }, () => TestClient.connect(`${shard.url}?token=${attackToken}`)));
      clients.push(...attackers);
      let stop = false;
      let refusedHandshakes = 0;
      const answers: Record<string, number> = {};
      for (const attacker of attackers)
        attacker.socket.on('message', (data: Buffer) => {
          const message = JSON.parse(data.toString()) as Record<string, unknown>;
          const kind = String(message['code'] ?? message['type']);
          answers[kind] = (answers[kind] ?? 0) + 1;
        });
      const attack = [
        ...attackers.map(async (attacker) => {
          while (!stop) {
            const channels = attackChannels();
            attacker.send({ type: 'subscribe', data: { channels } });
            attacker.send({ type: 'unsubscribe', data: { channels } });
            attacker.messages.length = 0; // counted in `answers`; kept, 30 s of them would fill memory
            await sleep(40);
          }
        }),
        (async () => {
          while (!stop) {
            const answer = await handshake(`${shard.url}?token=${await token({ channels: [BACKTRACKING_PATTERN] })}`);
            if (answer.status === 401) refusedHandshakes++;
          }
        })(),
      ];
      const attacked = await pingRoundTrips(bystander, ATTACK_MS);
      stop = true;
      await Promise.all(attack);

      const report = {
        calm: { p50: percentile(calm, 50), p99: percentile(calm, 99) },
        attacked: { p50: percentile(attacked, 50), p99: percentile(attacked, 99), max: Math.max(...attacked) },
      };
      console.log(
        `[pattern-stall] ping round trip ms ${JSON.stringify(report)}, ${refusedHandshakes} hostile handshakes refused, attackers' answers ${JSON.stringify(answers)}`,
      );
      // The attack did run: every connection stayed open, its subscribes were answered (as many as its
      // rate allows acknowledged, the rest refused whole), and hostile handshakes were refused.
      expect(attackers.every((attacker) => attacker.closed === undefined)).toBe(true);
      expect(answers['subscription_ack']).toBeGreaterThanOrEqual(ATTACKERS);
      expect(answers['RATE_LIMIT_EXCEEDED']).toBeGreaterThan(ATTACKERS * 10);
      expect(refusedHandshakes).toBeGreaterThan(10);
      expect(report.attacked.p99).toBeLessThan(50);
    },
    ATTACK_MS + 60_000,
  );
});
