import { connect as tcpConnect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestClient, closeProducers, createTestTopic, metricValue, produce, seedValue, startShardProcess, waitFor, type ShardProcess } from '@odin-ws/testkit';

/**
 * Every bad input a client or a Kafka producer can send gets its documented answer, is counted,
 * and leaves a healthy bystander client receiving as before.
 */
describe('shard bad input', () => {
  let topic: string;
  let shard: ShardProcess;
  let bystander: TestClient;
  const clients: TestClient[] = [];
  const connect = async () => {
    const client = await TestClient.connect(shard.url);
    clients.push(client);
    return client;
  };
  let bystanderSeq = 0;
  /** The bystander still gets a fresh record: nothing the bad input did reached it. */
  const bystanderStillServed = async () => {
    const n = ++bystanderSeq;
    await produce(topic, [{ key: 'OK', value: seedValue({ n }) }]);
    await waitFor(`bystander record ${n}`, () => bystander.dataMessages('OK.trade').some((m) => (m['data'] as { data: { n: number } }).data.n === n));
    expect(bystander.closed).toBeUndefined();
  };

  beforeAll(async () => {
    topic = await createTestTopic('badinput', 2);
    shard = await startShardProcess({
      topics: [topic],
      args: [`--channel-map=${topic}=trade`, '--max-subscriptions=5', '--max-message-size=1024', '--max-record-size=2048', '--client-rate-limit=20', '--max-connections=40'],
    });
    bystander = await connect();
    await bystander.subscribe(['OK.trade']);
  });

  afterAll(async () => {
    for (const client of clients) client.terminate();
    await shard?.stop();
    await closeProducers();
  });

  it.each([
    ['malformed JSON', '{"type":"subscribe","channels":["BTC', 'BAD_JSON'],
    ['plain text', 'hello there', 'BAD_JSON'],
    ['a JSON array', '[1,2]', 'BAD_MESSAGE'],
    ['a message without type', '{"channels":["A.trade"]}', 'BAD_MESSAGE'],
    ['an empty channel list', '{"type":"subscribe","channels":[]}', 'BAD_MESSAGE'],
    ['an unknown type', '{"type":"teleport"}', 'UNKNOWN_TYPE'],
    ['an invalid channel', '{"type":"subscribe","channels":["bad channel"]}', 'INVALID_CHANNEL'],
    ['a non-string channel', '{"type":"subscribe","channels":[{"$gt":""}]}', 'INVALID_CHANNEL'],
  ])('answers %s with its error code and counts it', async (_label, text, code) => {
    const client = await connect();
    const error = await client.request(text, 'error');
    expect(error).toMatchObject({ type: 'error', code, message: expect.any(String) });
    expect(client.closed).toBeUndefined();
    await waitFor('the bad-message metric', async () => metricValue(await shard.metrics(), 'ws_bad_messages_total', { reason: code }) > 0);
    await bystanderStillServed();
  });

  it('refuses a request past the subscription limit and subscribes nothing of it', async () => {
    const client = await connect();
    await client.subscribe(['A.trade', 'B.trade', 'C.trade']);
    const error = await client.request({ type: 'subscribe', channels: ['D.trade', 'E.trade', 'F.trade'], id: 'x' }, 'error');
    expect(error).toMatchObject({ code: 'TOO_MANY_CHANNELS', id: 'x' });
    expect(await client.subscribe(['D.trade', 'E.trade'])).toMatchObject({ count: 5 });
  });

  it('answers binary frames with BINARY_NOT_SUPPORTED', async () => {
    const client = await connect();
    const seen = client.messages.length;
    client.socket.send(Buffer.from([0xde, 0xad, 0xbe, 0xef, 0x00, 0xff]));
    const error = await waitFor('error reply', () => client.messages.slice(seen).find((m) => m['type'] === 'error'));
    expect(error).toMatchObject({ code: 'BINARY_NOT_SUPPORTED' });
    await bystanderStillServed();
  });

  it('closes a client whose frame passes the message size limit with 1009', async () => {
    const client = await connect();
    client.send(JSON.stringify({ type: 'subscribe', channels: ['X'.repeat(2000)] }));
    expect(await client.closedPromise).toEqual({ code: 1009, reason: '{"code":"MESSAGE_TOO_BIG"}' });
    await bystanderStillServed();
  });

  it('cuts off a client whose frame passes 4x the message size limit', async () => {
    const client = await connect();
    client.send('x'.repeat(5000));
    expect((await client.closedPromise).code).toBe(1006);
    await waitFor('disconnect metric', async () => metricValue(await shard.metrics(), 'ws_disconnects_total', { reason: 'message_too_big' }) > 0);
    await bystanderStillServed();
  });

  it('cuts off a client that sends invalid UTF-8 in a text frame (uWS validates text frames)', async () => {
    const client = await connect();
    // ws refuses to send invalid UTF-8 as text itself, so write the masked frame by hand.
    const payload = Buffer.from([0x7b, 0xff, 0xfe, 0x7d]);
    const mask = Buffer.from([1, 2, 3, 4]);
    const masked = Buffer.from(payload.map((byte, i) => byte ^ mask[i % 4]!));
    const socket = (client.socket as unknown as { _socket: import('node:net').Socket })._socket;
    socket.write(Buffer.concat([Buffer.from([0x81, 0x80 | payload.length]), mask, masked]));
    expect((await client.closedPromise).code).toBe(1006);
    await waitFor('disconnect metric', async () => metricValue(await shard.metrics(), 'ws_disconnects_total', { reason: 'invalid_utf8' }) > 0);
    await bystanderStillServed();
  });

  it('drops a flood past the rate limit with one RATE_LIMIT_EXCEEDED notice', async () => {
    const client = await connect();
    for (let i = 0; i < 200; i++) client.send({ type: 'ping' });
    await waitFor('rate limit notice', () => client.messages.find((m) => m['code'] === 'RATE_LIMIT_EXCEEDED'));
    const pongs = client.messages.filter((m) => m['type'] === 'pong').length;
    expect(pongs).toBeLessThanOrEqual(45); // burst of 2 x 20 plus refill while sending
    expect(client.messages.filter((m) => m['code'] === 'RATE_LIMIT_EXCEEDED')).toHaveLength(1);
    await bystanderStillServed();
  });

  it('answers the seed reconnect request with reconnect_error', async () => {
    const client = await connect();
    const reply = await client.request({ type: 'reconnect', data: { client_id: 'c1', last_offset: { 'odin.trades': 5 } } }, 'reconnect_error');
    expect(reply['message']).toEqual(expect.any(String));
  });

  it('answers a plain HTTP request to an unknown path with 404 JSON and a hint', async () => {
    const response = await fetch(`${shard.httpUrl}/nope`);
    expect(response.status).toBe(404);
    expect(await response.json()).toMatchObject({ error: 'NOT_FOUND', hint: expect.stringContaining('/ws') });
  });

  it('survives raw binary garbage on the TCP port', async () => {
    await new Promise<void>((resolve) => {
      const socket = tcpConnect(shard.port, '127.0.0.1', () => socket.end(Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 37) % 256))));
      socket.on('error', () => resolve());
      socket.on('close', () => resolve());
    });
    expect((await fetch(`${shard.httpUrl}/health`)).status).toBe(200);
    await bystanderStillServed();
  });

  it.each([
    ['a record without a key', { key: null, value: seedValue({}) }, 'missing_key'],
    ['a record whose key cannot name a channel', { key: 'bad key"}', value: seedValue({}) }, 'invalid_key'],
    ['a record with a 100 KB key', { key: 'K'.repeat(100_000), value: seedValue({}) }, 'invalid_key'],
    ['a record whose value is not JSON', { key: 'OK', value: '{"type":' }, 'invalid_json'],
    ['a record with an empty value', { key: 'OK', value: null }, 'empty_value'],
    ['a record over the record size limit', { key: 'OK', value: seedValue({ pad: 'x'.repeat(5000) }) }, 'oversized'],
    ['a record of binary garbage', { key: 'OK', value: Buffer.from([0xff, 0x00, 0xfe, 0x01]) }, 'invalid_json'],
  ])('drops %s from Kafka, counts it, and keeps streaming', async (_label, message, reason) => {
    await produce(topic, [message]);
    await waitFor(`dropped record metric ${reason}`, async () => metricValue(await shard.metrics(), 'ws_kafka_records_dropped_total', { reason }) > 0);
    await bystanderStillServed();
    expect(bystander.messages.filter((m) => m['type'] === 'error')).toHaveLength(0);
  });

  it('refuses handshakes beyond max connections with 503 and Retry-After', async () => {
    const open: TestClient[] = [];
    let refusal: Error | undefined;
    for (let i = 0; i < 60 && !refusal; i++) {
      try {
        open.push(await connect());
      } catch (error) {
        refusal = error as Error;
      }
    }
    expect(refusal?.message).toMatch(/HTTP 503 retry-after=2/);
    expect((await shard.health())['connections']).toBe(40);
    await waitFor('rejection metric', async () => metricValue(await shard.metrics(), 'ws_connections_rejected_total', { reason: 'at_capacity' }) > 0);
    for (const client of open) client.terminate();
    await waitFor('connections released', async () => ((await shard.health())['connections'] as number) < 40);
    await bystanderStillServed();
  });
});
