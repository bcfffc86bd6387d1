import type { Socket } from 'node:net';
import { defaultOptionValues, loadBalancerConfigFrom } from '@odin-ws/config';
import { createLogger } from '@odin-ws/observability';
import { Registry } from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';
import { ACCEPTED_HEAD, refusalHead, startFakeShard } from '../../test-support/fake-shard.js';
import { createLoadBalancerMetrics } from '../lb-metrics.js';
import { buildUpstreamRequest, dialShard } from '../relay/index.js';
import { createPooledShard, dialPooledShard, type PooledShard, retirePooledShard } from './pooled-shard.js';

// A loopback TCP server stands in for the shard: the dial (upstream-handshake.ts), the breaker and
// the books (pooled-shard.ts) are the real ones.
const config = loadBalancerConfigFrom({ ...defaultOptionValues(), handshakeTimeout: 1000 });
const metrics = createLoadBalancerMetrics(new Registry(), () => ({ proxied: 0, queueDepth: 0 }));
const logger = createLogger({ level: 'silent', base: {} });
const REQUEST = Buffer.from('GET /ws HTTP/1.1\r\nHost: x\r\n\r\n');
const cleanups: Array<() => unknown> = [];

afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

/** A fake shard that answers every handshake with `responseHead` (or as `answer` says); its URL. */
async function fakeShard(responseHead: string, answer: (socket: Socket) => void = (socket) => socket.write(responseHead)): Promise<string> {
  const shard = await startFakeShard(answer);
  cleanups.push(shard.close);
  return shard.url;
}

/** A port nothing listens on: a server bound and closed again. */
async function deadPortUrl(): Promise<string> {
  const url = await fakeShard('');
  await cleanups.pop()?.();
  return url;
}

function pooled(url: string): PooledShard {
  const shard = createPooledShard(url, config, metrics, logger);
  cleanups.push(() => retirePooledShard(shard, metrics));
  return shard;
}

describe('dialPooledShard (the one owner of breaker and failure window)', () => {
  it('counts a taken handshake as a success and as a client sent since the last poll', async () => {
    const shard = pooled(await fakeShard(ACCEPTED_HEAD));
    const upstream = await dialPooledShard(shard, REQUEST);
    upstream.socket.destroy();
    expect(shard.sentSincePoll).toBe(1);
    expect(shard.failures.failureRate()).toBe(0);
    expect(shard.breaker.stats.successes).toBe(1);
  });

  it('counts a failed dial in the window, opens on a refused connection, and does not count the refusals of the open circuit', async () => {
    const shard = pooled(await deadPortUrl());
    await expect(dialPooledShard(shard, REQUEST)).rejects.toMatchObject({ reason: 'refused' });
    expect(shard.failures.failureCount()).toBe(1);
    expect(shard.breaker.opened).toBe(true);
    await expect(dialPooledShard(shard, REQUEST)).rejects.toMatchObject({ reason: 'circuit_open', code: 'E_SHARD_HANDSHAKE_FAILED' });
    expect(shard.failures.failureCount()).toBe(1);
    expect(shard.sentSincePoll).toBe(0);
  });

  it('counts a full shard in the window (it scores lower) but never against its breaker', async () => {
    const shard = pooled(await fakeShard(refusalHead('AT_CAPACITY')));
    for (let i = 0; i < config.breaker.consecutiveFailures + 1; i++) {
      await expect(dialPooledShard(shard, REQUEST)).rejects.toMatchObject({ reason: 'shard_full' });
    }
    expect(shard.breaker.closed).toBe(true);
    expect(shard.failures.failureCount()).toBe(config.breaker.consecutiveFailures + 1);
  });
});

describe('dialShard (the handshake replay, and why a shard did not take it)', () => {
  const dial = (url: string, timeoutMs = 1000) => {
    const { hostname, port } = new URL(url);
    return dialShard(hostname, Number(port), REQUEST, timeoutMs);
  };

  it('keeps what the shard sent after its 101 for the client', async () => {
    const answer = Buffer.from('HTTP/1.1 101 Switching Protocols\r\n\r\n\x81\x02hi', 'latin1');
    const upstream = await dial(await fakeShard('', (socket) => socket.write(answer)));
    upstream.socket.destroy();
    expect(upstream.response).toEqual(answer);
  });

  it.each([
    ['reset', 'a shard that hangs up before answering', (socket: Socket) => socket.destroy()],
    ['bad_status', 'a response head over 16 KB', (socket: Socket) => socket.write(`HTTP/1.1 101 OK\r\nX: ${'x'.repeat(17 * 1024)}`)],
    ['bad_status', 'a 503 without a refusal code', (socket: Socket) => socket.write('HTTP/1.1 503 Service Unavailable\r\n\r\n')],
    ['draining', 'a 503 DRAINING', (socket: Socket) => socket.write('HTTP/1.1 503 Service Unavailable\r\nX-Odin-Refusal: DRAINING\r\n\r\n')],
    ['timeout', 'no answer', () => undefined],
  ])('%s: %s', async (reason, _label, answer) => {
    await expect(dial(await fakeShard('', answer), 300)).rejects.toMatchObject({ reason, code: 'E_SHARD_HANDSHAKE_FAILED' });
  });

  it("forwards the client's request as sent, with its address appended to X-Forwarded-For", () => {
    const request = buildUpstreamRequest(
      { method: 'GET', url: '/ws?x=1', httpVersion: '1.1', headers: {}, rawHeaders: ['Host', 'lb', 'X-Forwarded-For', '10.0.0.1', 'Sec-WebSocket-Key', 'k'] },
      '192.0.2.7',
    ).toString('latin1');
    expect(request).toBe('GET /ws?x=1 HTTP/1.1\r\nHost: lb\r\nSec-WebSocket-Key: k\r\nX-Forwarded-For: 10.0.0.1, 192.0.2.7\r\n\r\n');
  });
});
