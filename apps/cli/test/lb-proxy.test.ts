import { randomBytes } from 'node:crypto';
import { connect } from 'node:net';
import { type EchoBackend, type LoadBalancerProcess, maskedTextFrame, sleep, startEchoBackend, startLoadBalancerProcess, waitFor } from '@odin-ws/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';

/** Opens a ws client through the LB and collects what comes back, with its text/binary type. */
async function open(url: string, headers: Record<string, string> = {}) {
  const socket = new WebSocket(url, { perMessageDeflate: false, headers, maxPayload: 64 * 1024 * 1024 });
  const received: Array<{ data: Buffer; isBinary: boolean }> = [];
  const pongs: Buffer[] = [];
  const pings: Buffer[] = [];
  socket.on('message', (data, isBinary) => received.push({ data: data as Buffer, isBinary }));
  socket.on('pong', (data) => pongs.push(data));
  socket.on('ping', (data) => pings.push(data));
  const closed = new Promise<{ code: number; reason: string }>((resolve) => socket.on('close', (code, reason) => resolve({ code, reason: reason.toString() })));
  await new Promise<void>((resolve, reject) => {
    socket.once('open', () => resolve());
    socket.once('error', reject);
  });
  return { socket, received, pongs, pings, closed };
}

/** A handshake for `url` with `extraHeaders`, written in parts `gapMs` apart; what came back once the echo of `hi` did. */
async function handshakeInParts(
  port: number,
  url: string,
  extraHeaders: string,
  split: (request: Buffer, frame: Buffer) => Buffer[],
  gapMs: number,
): Promise<string> {
  const request = Buffer.from(
    `GET ${url} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
      `Sec-WebSocket-Key: ${randomBytes(16).toString('base64')}\r\nSec-WebSocket-Version: 13\r\n${extraHeaders}\r\n`,
    'latin1',
  );
  const socket = connect({ port, host: '127.0.0.1', noDelay: true });
  let received = '';
  socket.on('data', (chunk: Buffer) => (received += chunk.toString('latin1')));
  try {
    for (const part of split(request, maskedTextFrame('hi'))) {
      socket.write(part);
      await sleep(gapMs);
    }
    await waitFor('the 101 and the echo', () => received.endsWith('\x81\x02hi'), 5000);
    return received;
  } finally {
    socket.destroy();
  }
}

describe('load balancer splice (real LB process, echo backend)', () => {
  let backend: EchoBackend;
  let lb: LoadBalancerProcess;

  beforeAll(async () => {
    backend = await startEchoBackend();
    lb = await startLoadBalancerProcess({ backendUrls: [backend.url], workers: 1 });
    await waitFor('backend ready in the LB', async () => (await lb.health()).shards[0]?.['ready'] === true);
  });

  afterAll(async () => {
    await lb?.stop();
    await backend?.close();
  });

  it('passes the path, query string and headers through, adding X-Forwarded-For', async () => {
    const client = await open(`${lb.url}?token=abc&x=1`, { 'X-Client-Version': '7.1', Cookie: 'session=s1' });
    const request = backend.handshakes.at(-1)!;
    expect(request.url).toBe('/ws?token=abc&x=1');
    expect(request.headers['x-client-version']).toBe('7.1');
    expect(request.headers['cookie']).toBe('session=s1');
    expect(request.headers['x-forwarded-for']).toBe('127.0.0.1');
    client.socket.terminate();
  });

  it('copies text, binary, fragmented and 1 MB messages both ways unchanged', async () => {
    const client = await open(lb.url);
    const text = 'héllo → 世界';
    const binary = randomBytes(4096);
    const big = randomBytes(1024 * 1024);
    client.socket.send(text);
    client.socket.send(binary);
    client.socket.send('frag-', { fin: false });
    client.socket.send('ment-', { fin: false });
    client.socket.send('ed', { fin: true });
    client.socket.send(big);
    await waitFor('four echoes', () => client.received.length >= 4, 10_000);
    expect(client.received[0]).toEqual({ data: Buffer.from(text), isBinary: false });
    expect(client.received[1]).toEqual({ data: binary, isBinary: true });
    expect(client.received[2]).toEqual({ data: Buffer.from('frag-ment-ed'), isBinary: false });
    expect(client.received[3]!.isBinary).toBe(true);
    expect(client.received[3]!.data.equals(big)).toBe(true);
    client.socket.terminate();
  });

  it('carries control frames both ways: client ping gets the pong, server ping gets answered', async () => {
    const client = await open(lb.url);
    client.socket.ping(Buffer.from('from-client'));
    await waitFor('pong for the client ping', () => client.pongs.some((p) => p.toString() === 'from-client'));
    client.socket.send('ping-me');
    await waitFor('ping from the server', () => client.pings.some((p) => p.toString() === 'from-server'));
    client.socket.terminate();
  });

  it('completes a clean close handshake started by the client', async () => {
    const client = await open(lb.url);
    client.socket.close(1000, 'client bye');
    expect(await client.closed).toEqual({ code: 1000, reason: 'client bye' });
    await waitFor('backend saw the close', () => backend.closes.some((c) => c.code === 1000 && c.reason === 'client bye'));
  });

  it('completes a clean close handshake started by the server', async () => {
    const client = await open(lb.url);
    client.socket.send('close-me');
    expect(await client.closed).toEqual({ code: 4001, reason: 'server bye' });
  });

  const together = (request: Buffer, frame: Buffer) => [Buffer.concat([request, frame])];
  const apart = (request: Buffer, frame: Buffer) => [request, frame];
  const split = (request: Buffer, frame: Buffer) => [request.subarray(0, 30), Buffer.concat([request.subarray(30), frame])];
  it.each([
    // The frame lands in the first read, after the head: it is the splice's first client bytes.
    ['in one write with a frame right behind it (read without node:http)', '', together, 100],
    ['split over two reads (parsed by node:http)', '', split, 100],
    ['with a repeated header (parsed by node:http)', 'X-Forwarded-For: 10.0.0.1\r\nX-Forwarded-For: 10.0.0.2\r\n', apart, 100],
  ])('splices a handshake sent %s', async (label, extraHeaders, parts, gapMs) => {
    const url = `/ws?case=${encodeURIComponent(label)}`;
    const received = await handshakeInParts(lb.port, url, extraHeaders, parts, gapMs);
    expect(received).toMatch(/^HTTP\/1\.1 101 /);
    const request = backend.handshakes.at(-1)!;
    expect(request.url).toBe(url);
    expect(request.headers['x-forwarded-for']).toBe(extraHeaders ? '10.0.0.1, 10.0.0.2, 127.0.0.1' : '127.0.0.1');
  });

  it('closes at once a connection that hangs up before sending anything', async () => {
    const socket = connect({ port: lb.port, host: '127.0.0.1' });
    socket.on('connect', () => socket.end());
    socket.resume();
    const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
    await expect(Promise.race([closed.then(() => 'closed'), sleep(2000).then(() => 'still open')])).resolves.toBe('closed');
  });

  it('answers plain HTTP clearly', async () => {
    const upgradeRequired = await fetch(`${lb.httpUrl}/ws`);
    expect(upgradeRequired.status).toBe(426);
    const notFound = await fetch(`${lb.httpUrl}/nope`);
    expect(notFound.status).toBe(404);
    expect(await notFound.json()).toMatchObject({ error: 'NOT_FOUND' });
    expect((await fetch(`${lb.httpUrl}/ready`)).status).toBe(200);
    const health = await lb.health();
    expect(health.shards[0]).toMatchObject({ id: 'echo', ready: true, circuit: 'closed' });
  });

  it('refuses a WebSocket upgrade on another path with 404 without bothering a shard', async () => {
    const before = backend.handshakes.length;
    await expect(open(`ws://127.0.0.1:${lb.port}/elsewhere`)).rejects.toThrow(/404/);
    expect(backend.handshakes.length).toBe(before);
  });
});

describe('per-IP admission behind a trusted proxy (real LB process, echo backend)', () => {
  let backend: EchoBackend;
  const lbs: LoadBalancerProcess[] = [];
  const startLb = async (args: string[]) => {
    const lb = await startLoadBalancerProcess({ backendUrls: [backend.url], workers: 1, args: ['--admission-ip-rate=1', '--admission-queue=0', ...args] });
    lbs.push(lb);
    await waitFor('backend ready in the LB', async () => (await lb.health()).shards[0]?.['ready'] === true);
    return lb;
  };
  /** 'proxied' when the echo backend took the client, else the close code the LB sent. */
  const outcome = async (url: string, forwardedFor: string) => {
    const client = await open(url, { 'X-Forwarded-For': forwardedFor });
    const result = await Promise.race([client.closed.then(({ code }) => code), new Promise<'proxied'>((resolve) => setTimeout(() => resolve('proxied'), 300))]);
    client.socket.terminate();
    return result;
  };

  beforeAll(async () => {
    backend = await startEchoBackend();
  });

  afterAll(async () => {
    await Promise.all(lbs.map((lb) => lb.stop()));
    await backend?.close();
  });

  it('counts each forwarded client on its own when the peer is a trusted proxy', async () => {
    const lb = await startLb(['--trusted-proxies=127.0.0.0/8']);
    expect(await outcome(lb.url, '203.0.113.1')).toBe('proxied');
    expect(await outcome(lb.url, '203.0.113.2')).toBe('proxied');
    // The same client again within its one-per-second budget: 1013.
    expect(await outcome(lb.url, '198.51.100.9, 203.0.113.1')).toBe(1013);
  });

  it('keeps what a client sends while its handshake waits in the admission queue', async () => {
    const lb = await startLb(['--admission-queue=10', '--admission-max-wait=5000']);
    const first = await open(lb.url);
    // This IP's one token per second is spent: the handshake waits about a second, and its frame
    // arrives meanwhile, on a socket nothing reads yet. It must wait there, not be dropped.
    const apart = (request: Buffer, frame: Buffer) => [request, frame];
    const received = await handshakeInParts(lb.port, '/ws?queued', '', apart, 300);
    expect(received).toMatch(/^HTTP\/1\.1 101 /);
    first.socket.terminate();
  });

  it('ignores X-Forwarded-For from peers it does not trust', async () => {
    const lb = await startLb([]);
    expect(await outcome(lb.url, '203.0.113.1')).toBe('proxied');
    expect(await outcome(lb.url, '203.0.113.2')).toBe(1013);
  });
});
