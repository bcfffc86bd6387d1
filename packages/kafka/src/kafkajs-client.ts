import { Kafka, logLevel as KafkaLogLevel, type logCreator } from 'kafkajs';
import type { Logger } from '@odin-ws/observability';

/**
 * kafkajs with its logs routed into our pino logger (warnings and errors only: kafkajs is
 * chatty at info) and retry timings short enough that a broker restart is noticed in seconds.
 */
export function createKafkaJsClient(options: { brokers: string[]; clientId: string; logger: Logger }): Kafka {
  const log = options.logger.child({ component: 'kafkajs' });
  const toPino: logCreator = () => ({ level, log: entry }) => {
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
  });
}
