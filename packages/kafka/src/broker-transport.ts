import { isIP } from 'node:net';
import { type ConnectionOptions, connect as tlsConnect } from 'node:tls';
import { OdinError } from '@odin-ws/errors';

/** Certificate problems no reconnect can mend: the trust settings are wrong. */
const UNTRUSTED_CODES = new Set([
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'CERT_SIGNATURE_FAILURE',
  'CERT_UNTRUSTED',
  'ERR_TLS_CERT_ALTNAME_INVALID',
]);

type Probe = { kind: 'tls' } | { kind: 'untrusted'; reason: string } | { kind: 'not-tls' } | { kind: 'unreachable' };

/**
 * One TLS handshake with the first broker that answers, before the Kafka client starts. kafkajs
 * treats a rejected certificate or a TLS/plaintext mismatch like a broker outage and retries
 * forever with messages that do not say what is wrong; this says it in one line, and the start
 * fails. A broker that does not answer at all proves nothing (it may be starting): the client's
 * own retries handle that.
 */
export async function checkBrokerTransport(brokers: readonly string[], tls: ConnectionOptions | undefined, timeoutMs = 5000): Promise<void> {
  for (const broker of brokers) {
    const separator = broker.lastIndexOf(':');
    const host = broker.slice(0, separator).replace(/^\[(.*)\]$/, '$1');
    const port = Number(broker.slice(separator + 1));
    const probe = await probeTls(host, port, tls ?? { rejectUnauthorized: false }, timeoutMs);
    if (probe.kind === 'unreachable') continue;
    if (tls && probe.kind === 'untrusted') {
      throw new OdinError(
        'E_KAFKA_TLS',
        `broker ${broker}: its certificate is not trusted (${probe.reason}); give the CA that signed it with --kafka-ssl-ca-file, or check the broker address`,
        { broker, reason: probe.reason },
      );
    }
    if (tls && probe.kind === 'not-tls') {
      throw new OdinError('E_KAFKA_TLS', `broker ${broker} does not speak TLS on that port: remove --kafka-ssl, or use the broker's TLS listener`, { broker });
    }
    if (!tls && probe.kind === 'tls') {
      throw new OdinError('E_KAFKA_TLS', `broker ${broker} expects TLS: add --kafka-ssl (and --kafka-ssl-ca-file for a private CA)`, { broker });
    }
    return;
  }
}

function probeTls(host: string, port: number, options: ConnectionOptions, timeoutMs: number): Promise<Probe> {
  return new Promise((resolve) => {
    let tcpConnected = false;
    const socket = tlsConnect({ ...options, host, port, ...(isIP(host) ? {} : { servername: host }) });
    const finish = (probe: Probe) => {
      clearTimeout(timer);
      socket.destroy();
      resolve(probe);
    };
    const timer = setTimeout(() => finish(tcpConnected ? { kind: 'not-tls' } : { kind: 'unreachable' }), timeoutMs);
    socket.once('connect', () => {
      tcpConnected = true;
    });
    socket.once('secureConnect', () => finish({ kind: 'tls' }));
    socket.once('error', (error: NodeJS.ErrnoException) => {
      if (error.code !== undefined && UNTRUSTED_CODES.has(error.code)) return finish({ kind: 'untrusted', reason: error.message });
      // Connected, then the handshake failed: the other side answered something that is not TLS.
      finish(tcpConnected ? { kind: 'not-tls' } : { kind: 'unreachable' });
    });
  });
}
