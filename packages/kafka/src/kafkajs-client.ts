import { connect } from 'node:net';
import type { Logger } from '@odin-ws/observability';
import { type ISocketFactory, Kafka, logLevel as KafkaLogLevel, type logCreator } from 'kafkajs';

/**
 * kafkajs with its logs routed into our pino logger (warnings and errors only: kafkajs is
 * chatty at info) and retry timings short enough that a broker restart is noticed in seconds.
 */
export function createKafkaJsClient(options: { brokers: string[]; clientId: string; logger: Logger }): Kafka {
  const log = options.logger.child({ component: 'kafkajs' });
  const toPino: logCreator =
    () =>
    ({ level, log: entry }) => {
      const { message, ...fields } = entry;
      if (level === KafkaLogLevel.ERROR) log.error(fields, message);
      else if (level === KafkaLogLevel.WARN) log.warn(fields, message);
    };
  return new Kafka({
    clientId: options.clientId,
    brokers: options.brokers,
    logLevel: KafkaLogLevel.WARN,
    logCreator: toPino,
    connectionTimeout: 3000,
    requestTimeout: 10000,
    retry: { initialRetryTime: 250, maxRetryTime: 5000, retries: 8 },
    socketFactory: noDelaySocketFactory,
  });
}

/**
 * Hazard: kafkajs leaves Nagle's algorithm on, so a small produce or fetch request can wait for the
 * peer's delayed ACK (~40 ms on Linux): measured as p50 13 ms / p99 32 ms of Kafka-to-client latency
 * at 100 clients before this. Plain TCP only; a TLS-enabled deployment would add tls.connect here.
 */
const noDelaySocketFactory: ISocketFactory = ({ host, port, onConnect }) => {
  const socket = connect({ host, port, noDelay: true, keepAlive: true, keepAliveInitialDelay: 60_000 }, onConnect);
  return socket;
};
