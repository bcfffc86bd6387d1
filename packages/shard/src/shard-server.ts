import type { TokenVerifier } from '@odin-ws/auth';
import { ConnectionCap } from '@odin-ws/auth';
import type { ShardConfig } from '@odin-ws/config';
import type { RecordSource } from '@odin-ws/kafka';
import type { Logger } from '@odin-ws/observability';
import { type ShardHealthReport, WEBSOCKET_PATH } from '@odin-ws/protocol';
import type { Registry } from 'prom-client';
import { BookDepthPublisher, Conflator, offeredForms, RecordPublisher } from './delivery/index.js';
import { clientSocketBehavior, createUpgradeHandler, registerAdminRoutes, registerPublicRoutes } from './edge/index.js';
import { Broadcaster, ChannelMapper } from './ingest/index.js';
import { listenOn, loadNativeUws, type TemplatedApp, type us_listen_socket } from './platform/index.js';
import {
  ClientMessageHandler,
  type ClientState,
  ConnectionSet,
  closeClientsPaced,
  SlowClientGuard,
  SubjectReplayBudgets,
  SubscriptionIndex,
  TokenExpiry,
} from './session/index.js';
import { createShardMetrics } from './shard-metrics.js';
import { AheadPositions, BookVariants, ChannelHistory, LastValues, MAX_TRACKED_CHANNELS, OrderBooks, PreviousPositions, StateChannels } from './state/index.js';

export interface ShardServerOptions {
  config: ShardConfig;
  source: RecordSource;
  /** Token verification; undefined when authentication is off. */
  verifier: TokenVerifier | undefined;
  logger: Logger;
  registry: Registry;
}

/** Share of the drain timeout over which clients are closed; the rest is for Kafka and sockets to wind down. */
const CLOSE_WINDOW_SHARE = 0.5;
/** History past its age is also trimmed on this timer, so memory is freed when records stop coming. */
const HISTORY_TRIM_INTERVAL_MS = 1000;
/**
 * How long a resume past a partition's end waits for this shard's fetches (ahead-positions.ts):
 * three of the Kafka source's fetch waits (500 ms), so a record that exists has surely arrived.
 */
const AHEAD_CONFIRM_MS = 1500;

/**
 * One shard: a uWS server whose clients subscribe to channels, fed by a RecordSource. This class
 * wires the folders and owns the lifecycle (start, health, drain); docs/architecture.md draws them.
 * A handshake is admitted (or refused) in edge/, a client frame is answered in session/, a Kafka
 * batch becomes frames in ingest/, is kept in state/ and published in each form by delivery/.
 */
export class ShardServer {
  private readonly app: TemplatedApp;
  /** The private ops surface (--admin-port), when configured. */
  private adminApp: TemplatedApp | undefined;
  private readonly connections = new ConnectionSet();
  private readonly subscriptions: SubscriptionIndex;
  private listenSocket: us_listen_socket | undefined;
  private boundPort = 0;
  private draining = false;
  private readonly slowClients: SlowClientGuard;
  private readonly history: ChannelHistory;
  private readonly lastValues: LastValues;
  private readonly conflator: Conflator;
  private readonly aheadPositions = new AheadPositions(AHEAD_CONFIRM_MS);
  private readonly connectionsPerUser: ConnectionCap;
  private readonly historyTrimmer: NodeJS.Timeout;
  /** Set once built; the history asks it where reading stands (HistoryCoverage.endOf). */
  private broadcaster: Broadcaster | undefined;
  private readonly startedAt = Date.now();

  /**
   * Where this shard's reading of a partition stands (the history's end), not the partition's high
   * watermark: a position between the two names a record not yet published here, which a resume must
   * wait for, or it would get it live after an empty replay (a duplicate; for a delta subscriber, a
   * frame it cannot decode). A partition the source knows but nothing of which was read yet ends
   * where its reading starts. Undefined for a partition the source does not know.
   */
  private readEndOf(topic: string, partition: number): number | undefined {
    const read = this.broadcaster?.readEndOf(topic, partition);
    if (read !== undefined) return read;
    const { source } = this.options;
    return source.endOffset(topic, partition) === undefined ? undefined : (source.coveredFrom(topic, partition) ?? 0);
  }
  private readonly uws = loadNativeUws();
  private readonly tokenExpiry: TokenExpiry | undefined;

  private constructor(private readonly options: ShardServerOptions) {
    const { config, registry, logger } = options;
    this.subscriptions = new SubscriptionIndex();
    this.connectionsPerUser = new ConnectionCap(config.maxConnectionsPerUser);
    const mapper = new ChannelMapper(config.channelMap, config.topics);
    this.history = new ChannelHistory(config.history, {
      coveredFrom: (topic, partition) => options.source.coveredFrom(topic, partition),
      endOf: (topic, partition) => this.readEndOf(topic, partition),
      topicOf: (channel) => mapper.topicOf(channel),
    });
    const stateChannels = new StateChannels(config.state.events);
    const books = new OrderBooks(config.bookMaxLevels);
    const bookVariants = new BookVariants(books);
    this.lastValues = new LastValues(config.state.maxBytes, () => metrics.stateEvictions.inc(), { books, variants: bookVariants });
    const metrics = createShardMetrics(registry, () => ({
      connections: this.connections.size,
      maxConnections: config.maxConnections,
      subscriptions: this.subscriptions.subscriptions,
      channels: this.subscriptions.channels,
      kafkaState: options.source.state(),
      draining: this.draining,
      history: this.history.stats(),
      state: this.lastValues.stats(),
      books: books.stats(),
    }));
    this.app = this.uws.App();
    const permessageDeflate = config.permessageDeflate !== 'off';
    const bookDepths = new BookDepthPublisher(
      this.app,
      books,
      (form) => this.subscriptions.isHeld(form),
      (subscribers) => metrics.framesDelivered.inc(subscribers),
    );
    this.conflator = new Conflator(
      this.app,
      this.lastValues,
      (subscribers) => {
        metrics.conflatedEnvelopes.inc();
        metrics.framesDelivered.inc(subscribers);
      },
      permessageDeflate,
      bookDepths,
    );
    this.slowClients = new SlowClientGuard(this.connections, config.backpressureLimit, () => metrics.slowClientDisconnects.inc());
    const messageHandler = new ClientMessageHandler({
      subscriptions: this.subscriptions,
      maxSubscriptions: config.maxSubscriptions,
      stateChannels,
      offeredForms: offeredForms(config.deliveryForms),
      subjectReplayBudgets: new SubjectReplayBudgets(config.history.maxReplayBytes),
      history: this.history,
      lastValues: this.lastValues,
      books,
      bookDepths,
      conflator: this.conflator,
      slowClients: this.slowClients,
      metrics,
      clientRateLimit: config.clientRateLimit,
      maxMessageSize: config.maxMessageSize,
      permessageDeflate,
      maxReplayBytes: config.history.maxReplayBytes,
      backpressureLimit: config.backpressureLimit,
      verifier: options.verifier,
      isOpen: (ws) => this.connections.has(ws),
      aheadPositions: this.aheadPositions,
    });
    const refreshWindowS = config.access.auth?.refreshWindowS;
    this.tokenExpiry =
      options.verifier && refreshWindowS !== undefined
        ? new TokenExpiry(this.connections, refreshWindowS * 1000, () => metrics.tokenExpiryCloses.inc())
        : undefined;
    const publisher = new RecordPublisher(this.app, {
      permessageDeflate,
      isHeld: (form) => this.subscriptions.isHeld(form),
      onDelta: () => metrics.deltasPublished.inc(),
      formMaxRecordSize: config.formMaxRecordSize,
    });
    const positions = new PreviousPositions(MAX_TRACKED_CHANNELS);
    const kept = { history: this.history, lastValues: this.lastValues, conflator: this.conflator, books, bookVariants, bookDepths, positions };
    const broadcaster = new Broadcaster(mapper, stateChannels, kept, publisher, metrics, config.maxRecordSize);
    this.broadcaster = broadcaster;
    this.historyTrimmer = setInterval(() => this.history.trim(Date.now()), HISTORY_TRIM_INTERVAL_MS);
    this.historyTrimmer.unref();

    this.app.ws<ClientState>(
      WEBSOCKET_PATH,
      clientSocketBehavior({
        uws: this.uws,
        config,
        metrics,
        messageHandler,
        upgrade: createUpgradeHandler({
          config,
          metrics,
          verifier: options.verifier,
          isDraining: () => this.draining,
          connectionCount: () => this.connections.size,
          connectionsPerUser: this.connectionsPerUser,
        }),
        connections: this.connections,
        subscriptions: this.subscriptions,
        slowClients: this.slowClients,
        connectionsPerUser: this.connectionsPerUser,
      }),
    );
    const admin = config.access.admin;
    registerPublicRoutes(this.app, () => this.health(), registry, admin === undefined);
    if (admin) {
      this.adminApp = this.uws.App();
      registerAdminRoutes(this.adminApp, () => this.health(), registry);
    }
    options.source.onPartitionAdded((topic) => metrics.kafkaPartitionsAdded.inc({ topic }));
    options.source.start((batch) => broadcaster.publishBatch(batch));
    logger.info({ topics: config.topics }, 'kafka source started');
  }

  static async start(options: ShardServerOptions): Promise<ShardServer> {
    const server = new ShardServer(options);
    await server.listen();
    return server;
  }

  /** The port it listens on (what the OS gave for --port 0). */
  get port(): number {
    return this.boundPort;
  }

  /** The Kafka source gave up for good (refused credentials): the process should stop. */
  onFatal(listener: (error: Error) => void): void {
    this.options.source.onFatal(listener);
  }

  health(): ShardHealthReport {
    const { config, source } = this.options;
    const kafkaState = source.state();
    const consuming = kafkaState === 'consuming';
    return {
      shardId: config.shardId,
      pid: process.pid,
      // warming: reading the history's worth of each partition after start; not yet for new clients.
      status: this.draining ? 'draining' : consuming ? 'ok' : kafkaState === 'catching-up' ? 'warming' : 'degraded',
      connections: this.connections.size,
      maxConnections: config.maxConnections,
      utilization: this.connections.size / config.maxConnections,
      subscriptions: this.subscriptions.subscriptions,
      channels: this.subscriptions.channels,
      kafka: { state: kafkaState, consuming },
      draining: this.draining,
      uptimeS: Math.round((Date.now() - this.startedAt) / 1000),
    };
  }

  /**
   * Graceful drain: /ready turns 503 and new handshakes are refused at once, clients are closed
   * with 1012 in paced batches, then Kafka and the listener stop. Resolves when all of that is done.
   */
  async drain(): Promise<void> {
    if (this.draining) return;
    this.draining = true;
    const { config, logger, source } = this.options;
    const startedAt = Date.now();
    logger.info({ connections: this.connections.size, drainTimeoutS: config.drainTimeoutS }, 'drain started');
    const closed = await closeClientsPaced(this.connections, config.drainTimeoutS * 1000 * CLOSE_WINDOW_SHARE);
    this.slowClients.stop();
    this.tokenExpiry?.stop();
    clearInterval(this.historyTrimmer);
    this.conflator.close();
    this.aheadPositions.stop();
    await source.stop();
    this.stopListening();
    logger.info({ closed, durationMs: Date.now() - startedAt }, 'drain complete');
  }

  private async listen(): Promise<void> {
    const { host, port, access } = this.options.config;
    const token = await listenOn(this.app, host, port);
    this.listenSocket = token;
    this.boundPort = this.uws.us_socket_local_port(token as never);
    this.options.logger.info({ host, port: this.boundPort }, 'shard listening');
    if (this.adminApp && access.admin) {
      // Stays open through a drain, so operators and health checks see it to the end.
      const adminToken = await listenOn(this.adminApp, access.admin.host, access.admin.port);
      this.options.logger.info({ host: access.admin.host, port: this.uws.us_socket_local_port(adminToken as never) }, 'ops surface listening');
    }
  }

  private stopListening(): void {
    if (this.listenSocket) this.uws.us_listen_socket_close(this.listenSocket);
    this.listenSocket = undefined;
  }
}
