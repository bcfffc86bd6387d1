import { readFileSync } from 'node:fs';
import { createServer as createTcpServer, type Server } from 'node:net';
import { createServer as createTlsServer } from 'node:tls';
import { afterEach, describe, expect, it } from 'vitest';
import { checkBrokerTransport } from './broker-transport.js';

const fixture = (name: string) => readFileSync(new URL(`../test-fixtures/${name}`, import.meta.url), 'utf8');
const servers: Server[] = [];

afterEach(() => {
  for (const server of servers.splice(0)) server.close();
});

/** Starts a listener on a free loopback port; returns "127.0.0.1:<port>". */
async function listen(server: Server): Promise<string> {
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  return `127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
}

/** A TLS listener with the fixture certificate (localhost, 127.0.0.1), like a SASL_SSL broker. */
const tlsBroker = () => listen(createTlsServer({ cert: fixture('broker.pem'), key: fixture('broker.key') }, (socket) => socket.end()));
/** A plaintext listener that drops what it cannot parse, as a Kafka PLAINTEXT listener drops a TLS hello. */
const plainBroker = () => listen(createTcpServer((socket) => socket.once('data', () => socket.destroy())));

describe('checkBrokerTransport', () => {
  it('accepts a TLS broker whose certificate the given CA signed', async () => {
    await expect(checkBrokerTransport([await tlsBroker()], { ca: fixture('broker.pem') })).resolves.toBeUndefined();
  });

  it('refuses a certificate the trust settings do not cover, naming the flag to fix', async () => {
    const broker = await tlsBroker();
    await expect(checkBrokerTransport([broker], { ca: fixture('other.pem') })).rejects.toMatchObject({
      code: 'E_KAFKA_TLS',
      message: expect.stringMatching(new RegExp(`^broker ${broker}: its certificate is not trusted .*--kafka-ssl-ca-file`)),
    });
  });

  it('refuses TLS to a plaintext listener, and plaintext to a TLS one', async () => {
    await expect(checkBrokerTransport([await plainBroker()], { ca: fixture('broker.pem') })).rejects.toMatchObject({
      code: 'E_KAFKA_TLS',
      message: expect.stringContaining('does not speak TLS'),
    });
    await expect(checkBrokerTransport([await tlsBroker()], undefined)).rejects.toMatchObject({
      code: 'E_KAFKA_TLS',
      message: expect.stringContaining('expects TLS: add --kafka-ssl'),
    });
  });

  it('passes a plaintext broker without TLS, and proves nothing from brokers that do not answer', async () => {
    await expect(checkBrokerTransport([await plainBroker()], undefined)).resolves.toBeUndefined();
    // A port nobody listens on, then a real broker: the first is skipped, the second decides.
    const closed = await listen(createTcpServer());
    servers.pop()?.close();
    await expect(checkBrokerTransport([closed], { ca: fixture('broker.pem') })).resolves.toBeUndefined();
    await expect(checkBrokerTransport([closed, await tlsBroker()], undefined)).rejects.toMatchObject({ code: 'E_KAFKA_TLS' });
  });
});
