import { randomUUID } from 'node:crypto';
import { createTokenVerifier } from '@odin-ws/auth';
import type { ShardConfig } from '@odin-ws/config';
import { checkBrokerTransport, KafkaJsRecordSource, loadTlsOptions } from '@odin-ws/kafka';
import { createLogger, createMetricsRegistry, type Logger } from '@odin-ws/observability';
import { ChannelMapper } from './ingest/index.js';
import { ShardServer } from './shard-server.js';
import { StateChannels } from './state/index.js';

/** A shard with its real Kafka source, logger and metrics: what `odin-ws --mode=shard` runs. */
export async function startShard(config: ShardConfig, logger?: Logger): Promise<ShardServer> {
  const log = logger ?? createLogger({ level: config.logLevel, base: { shardId: config.shardId } });
  const { kafka } = config;
  // Before anything listens: a certificate the shard cannot trust, or TLS on one side only, fails the start.
  await checkBrokerTransport(kafka.brokers, kafka.tls ? loadTlsOptions(kafka.tls) : undefined);
  const mapper = new ChannelMapper(config.channelMap, config.topics);
  const stateChannels = new StateChannels(config.state.events);
  const source = new KafkaJsRecordSource({
    connection: kafka,
    clientId: `${kafka.clientId}-${config.shardId}`,
    // Its own group per process: every shard must see every record, and a restarted shard starts
    // where its history should begin instead of where its previous life had committed.
    groupId: `${kafka.clientId}.${config.shardId}.${randomUUID()}`,
    topics: config.topics,
    backfillMs: config.history.maxPerChannel > 0 ? config.history.maxAgeMs : 0,
    // Before it reports ready, a fresh shard holds the latest value of every state channel, and every book built or known stale.
    stateTopics: stateChannels.lookbacks(config.topics, (topic) => mapper.eventFor(topic), config.state),
    metadataRefreshMs: kafka.metadataRefreshMs,
    logger: log,
  });
  // Key files are read now: an unusable one fails the start (E_AUTH_CONFIG) before anything listens.
  const verifier = config.access.auth ? createTokenVerifier(config.access.auth) : undefined;
  return ShardServer.start({ config, source, verifier, logger: log, registry: createMetricsRegistry({ shard_id: config.shardId }) });
}
