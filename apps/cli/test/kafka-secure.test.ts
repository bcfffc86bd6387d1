import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  closeProducers,
  createTestTopic,
  kcatProduce,
  type LocalBroker,
  localBroker,
  type ShardProcess,
  secureConnection,
  secureShardArgs,
  spawnCli,
  startShardProcess,
  TestClient,
  waitFor,
} from '@odin-ws/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/** Kafka as managed services run it: one SASL_SSL listener (PLAIN, SCRAM), a CA of its own (scripts/kafka.sh up --secure). */
describe('a shard against a SASL_SSL-only broker', () => {
  let broker: LocalBroker;
  let topic: string;
  const shards: ShardProcess[] = [];
  const clients: TestClient[] = [];

  beforeAll(async () => {
    broker = await localBroker('secure-test', { secure: true });
    await broker.up();
    topic = await createTestTopic('secure', 3, secureConnection(broker));
  }, 180_000);

  afterAll(async () => {
    for (const client of clients) client.terminate();
    await Promise.all(shards.map((shard) => shard.stop()));
    await closeProducers();
    await broker.down({ wipe: true });
  }, 120_000);

  const startSecureShard = async (mechanism: 'plain' | 'scram-sha-512') => {
    const shard = await startShardProcess({
      topics: [topic],
      brokers: broker.brokers,
      args: [`--channel-map=${topic}=trade`, ...secureShardArgs(broker, mechanism)],
    });
    shards.push(shard);
    await waitFor('the shard to consume', async () => (await shard.health())['status'] === 'ok', 30_000);
    const client = await TestClient.connect(shard.url);
    clients.push(client);
    return { shard, client };
  };

  const record = (key: string, data: Record<string, unknown>) => `${key}|${JSON.stringify({ type: 'TRADE_EXECUTED', timestamp: Date.now(), data })}`;

  it('SCRAM-SHA-512: a record kcat produced over SASL_SSL reaches a raw WebSocket client, in every codec', async () => {
    const { client } = await startSecureShard('scram-sha-512');
    await client.subscribe(['SEC.trade']);
    const codecs = ['none', 'gzip', 'snappy', 'lz4', 'zstd'];
    for (const codec of codecs) kcatProduce(broker.brokers, topic, [record('SEC', { codec })], { compression: codec, secure: broker });
    const received = await client.waitForData(codecs.length, 'SEC.trade');
    expect(received.map((m) => (m['data'] as { data: { codec: string } }).data.codec)).toEqual(codecs);
  });

  it('PLAIN: the same, with the other mechanism', async () => {
    const { client } = await startSecureShard('plain');
    await client.subscribe(['PLN.trade']);
    kcatProduce(broker.brokers, topic, [record('PLN', { via: 'plain' })], { secure: broker });
    const [message] = await client.waitForData(1, 'PLN.trade');
    expect(message).toMatchObject({ channel: 'PLN.trade', data: { data: { via: 'plain' } } });
  });

  /** Each refusal ends the process with status 1 and one line naming the problem. */
  const failureOf = async (args: string[]) => {
    const cli = spawnCli(['--mode=shard', '--port=0', `--kafka-brokers=${broker.brokers}`, `--topics=${topic}`, '--log-level=error', ...args]);
    const exit = await cli.exited;
    return {
      code: exit.code,
      line:
        cli
          .output()
          .split('\n')
          .find((line) => line.startsWith('odin-ws: ')) ?? cli.output(),
    };
  };

  it('a wrong password fails the start with E_KAFKA_AUTH_FAILED, not a retry loop', async () => {
    const wrong = join(broker.secrets!, '..', 'wrong.password');
    writeFileSync(wrong, 'not-the-password\n', { mode: 0o600 });
    const args = secureShardArgs(broker).map((arg) => (arg.startsWith('--kafka-sasl-password-file=') ? `--kafka-sasl-password-file=${wrong}` : arg));
    const { code, line } = await failureOf(args);
    expect(code).toBe(1);
    expect(line).toMatch(/^odin-ws: E_KAFKA_AUTH_FAILED: .*SCRAM-SHA-512/);
    expect(line).not.toContain('not-the-password');
  });

  it('an untrusted CA fails the start with E_KAFKA_TLS naming --kafka-ssl-ca-file', async () => {
    // The system trust store does not know the broker's private CA.
    const args = secureShardArgs(broker).filter((arg) => !arg.startsWith('--kafka-ssl-ca-file='));
    const { code, line } = await failureOf(args);
    expect(code).toBe(1);
    expect(line).toMatch(/^odin-ws: E_KAFKA_TLS: broker 127\.0\.0\.1:\d+: its certificate is not trusted .*--kafka-ssl-ca-file/);
  });

  it('a plaintext client fails the start with E_KAFKA_TLS saying the broker expects TLS', async () => {
    const { code, line } = await failureOf([]);
    expect(code).toBe(1);
    expect(line).toMatch(/^odin-ws: E_KAFKA_TLS: broker 127\.0\.0\.1:\d+ expects TLS: add --kafka-ssl/);
  });

  it('a missing password file or a CA file that is not PEM fails the start with E_KAFKA_CONFIG naming the flag, status 78 (configuration)', async () => {
    const noPassword = await failureOf([...secureShardArgs(broker).slice(0, -1), '--kafka-sasl-password-file=/nonexistent/odin.password']);
    expect(noPassword.code).toBe(78);
    expect(noPassword.line).toBe('odin-ws: E_KAFKA_CONFIG: --kafka-sasl-password-file /nonexistent/odin.password: cannot read it (ENOENT)');
    const notPem = await failureOf(['--kafka-ssl', `--kafka-ssl-ca-file=${join(broker.secrets!, 'odin.password')}`]);
    expect(notPem.code).toBe(78);
    expect(notPem.line).toMatch(/^odin-ws: E_KAFKA_CONFIG: --kafka-ssl-ca-file .*odin\.password: not a PEM certificate/);
  });

  it('survives a restart of the secure broker: the client stays connected and records after it arrive', async () => {
    const { shard, client } = await startSecureShard('scram-sha-512');
    await client.subscribe(['RST.trade']);
    kcatProduce(broker.brokers, topic, [record('RST', { n: 0 })], { secure: broker });
    await client.waitForData(1, 'RST.trade');
    await broker.down();
    await waitFor('the shard to report the outage', async () => (await shard.health())['status'] === 'degraded', 60_000, 250);
    await broker.up();
    await waitFor('the shard to consume again', async () => (await shard.health())['status'] === 'ok', 60_000, 250);
    kcatProduce(broker.brokers, topic, [record('RST', { n: 1 })], { secure: broker });
    const messages = await client.waitForData(2, 'RST.trade', 30_000);
    expect(messages.map((m) => (m['data'] as { data: { n: number } }).data.n)).toEqual([0, 1]);
    expect(client.closed).toBeUndefined();
  }, 180_000);
});
