import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { LoadBalancerConfig } from '@odin-ws/config';
import { OdinError } from '@odin-ws/errors';
import type { Logger } from '@odin-ws/observability';
import { CloseCode, type CloseReason, formatCloseReason, HANDSHAKE_STATUS_LINES } from '@odin-ws/protocol';
import type { Registry } from 'prom-client';
import { AdmissionControl } from './admission.js';
import { watchBackendUrlsFile } from './backend-urls-file.js';
import { parseBackendUrls, pollTimeoutMs, refreshHealth, startHealthPolling } from './backends.js';
import { createClientAddressResolver } from './client-address.js';
import { upgradeAndClose } from './close-frame.js';
import { answerClientError, endWithJson, handshakeProblemOf, MAX_HANDSHAKE_HEADERS } from './http-answers.js';
import { createLoadBalancerMetrics, type LoadBalancerMetrics } from './lb-metrics.js';
import { circuitState, createPooledShard, healthScore, type PooledShard, publishShardSeries, retirePooledShard } from './shard-pool.js';
import { orderShards } from './shard-selector.js';
import { type Splice, splice } from './splice.js';
import { buildUpstreamRequest, HandshakeFailure, type HandshakeFailureReason } from './upstream-handshake.js';

/** The public WebSocket path; other upgrade paths get 404 instead of costing a shard a failed handshake. */
export const PUBLIC_PATH = '/ws';
const OVERLOADED_RETRY_MS = 2000;
const NO_SHARD_RETRY_MS = 1000;
const DRAIN_RETRY_MS = 1000;
/**
 * Slow handshakes (slowloris): a client gets this long to send its request headers, checked every
 * second. Node's defaults (60 s, checked every 30 s) would let idle half-requests pile up.
 */
const HEADERS_TIMEOUT_MS = 10_000;
const REQUEST_TIMEOUT_MS = 15_000;
const CONNECTIONS_CHECK_INTERVAL_MS = 1_000;

export interface LoadBalancerWorkerOptions {
  config: LoadBalancerConfig;
  logger: Logger;
  registry: Registry;
  /** Prometheus text for /metrics: in a cluster, all workers' metrics aggregated by the primary. */
  metricsText: () => Promise<string>;
}

/**
 * One load-balancer process: accepts client handshakes, picks a shard (shard-selector.ts), replays
 * the handshake to it through its circuit breaker (shard-pool.ts), retries the next shard on
 * failure, and splices the two TCP streams on 101 (splice.ts). When no shard takes the client it
 * completes the upgrade itself and sends 1013 or 1012 with a retry delay (close-frame.ts).
 */
export class LoadBalancerWorker {
  private readonly server: Server;
  private readonly metrics: LoadBalancerMetrics;
  private readonly admission: AdmissionControl;
  private readonly clientAddressOf: ReturnType<typeof createClientAddressResolver>;
  private pool: PooledShard[] = [];
  private readonly spliced = new Map<Socket, Splice>();
  private draining = false;
  private onAllSplicesClosed: () => void = () => undefined;
  private stopPolling: () => void = () => undefined;
  private stopWatching: () => void = () => undefined;
  /** Shard-list changes apply one after the other. */
  private backendsChange: Promise<void> = Promise.resolve();

  private constructor(private readonly options: LoadBalancerWorkerOptions) {
    this.admission = new AdmissionControl(options.config.admission);
    this.clientAddressOf = createClientAddressResolver(options.config.trustedProxies);
    this.metrics = createLoadBalancerMetrics(options.registry, () => ({ proxied: this.spliced.size, queueDepth: this.admission.queueDepth }));
    this.server = createServer(
      { headersTimeout: HEADERS_TIMEOUT_MS, requestTimeout: REQUEST_TIMEOUT_MS, connectionsCheckingInterval: CONNECTIONS_CHECK_INTERVAL_MS },
      (req, res) => void this.handleHttp(req, res),
    );
    this.server.on('upgrade', (req: IncomingMessage, socket: Socket, head: Buffer) => void this.handleUpgrade(req, socket, head));
    this.server.maxHeadersCount = MAX_HANDSHAKE_HEADERS + 1;
    this.server.on('clientError', (error: NodeJS.ErrnoException, socket: Socket) => answerClientError(error, socket));
  }

  static async start(options: LoadBalancerWorkerOptions): Promise<LoadBalancerWorker> {
    const worker = new LoadBalancerWorker(options);
    await worker.startBackends();
    await worker.listen();
    return worker;
  }

  get port(): number {
    const address = this.server.address();
    return typeof address === 'object' && address ? address.port : 0;
  }

  /** Stops accepting and resolves once every spliced connection has ended (see closeSpliced). */
  async drain(): Promise<void> {
    this.draining = true;
    const { logger, config } = this.options;
    logger.info({ proxied: this.spliced.size, drainTimeoutS: config.drainTimeoutS }, 'load balancer drain started');
    // Upgraded sockets no longer hold server.close() open, so the splices are awaited themselves.
    this.server.close();
    await new Promise<void>((resolve) => {
      this.onAllSplicesClosed = resolve;
      if (this.spliced.size === 0) resolve();
    });
    this.stopPolling();
    this.stopWatching();
    logger.info('load balancer drain complete');
  }

  /**
   * Closes every spliced connection with 1012 DRAINING (the drain deadline): clients are told to
   * come back after 0.5-3 s, spread at random so they do not all return at once.
   */
  closeSpliced(): void {
    for (const connection of this.spliced.values()) {
      connection.closeWith(CloseCode.SERVICE_RESTART, formatCloseReason({ code: 'DRAINING', retryMs: 500 + Math.random() * 2500 }));
    }
  }

  /**
   * The initial shard list (from --backend-urls, or the file), then health polling and, with a
   * file, following its changes.
   */
  private async startBackends(): Promise<void> {
    const { config, logger } = this.options;
    if (config.backendUrlsFile) {
      // The first read happens inside watchBackendUrlsFile; awaiting the change chain applies it before
      // listening. A file not written yet (discovery still running) is not fatal: the pool starts empty.
      this.stopWatching = watchBackendUrlsFile(config.backendUrlsFile, config.healthIntervalMs, (urls) => void this.setBackends(urls), logger);
      await this.backendsChange;
    } else {
      await this.setBackends(config.backendUrls);
    }
    this.stopPolling = startHealthPolling(
      () => this.pool.map((shard) => shard.backend),
      config.healthIntervalMs,
      () => this.publishShardGauges(),
    );
  }

  /**
   * Makes the pool match `urls`. New shards are polled once before they join, so their metrics carry
   * their own shard id from the start (or from their first answer, see publishShardSeries); removed
   * shards get no new clients, and the clients already spliced to them stay connected.
   */
  private setBackends(urls: string[]): Promise<void> {
    this.backendsChange = this.backendsChange.then(async () => {
      const { config, logger } = this.options;
      const wanted = new Set(urls);
      const known = new Set(this.pool.map((shard) => shard.backend.url));
      const added = parseBackendUrls(urls.filter((url) => !known.has(url)));
      const removed = this.pool.filter((shard) => !wanted.has(shard.backend.url));
      await Promise.all(added.map((backend) => refreshHealth(backend, pollTimeoutMs(config.healthIntervalMs))));
      this.pool = [
        ...this.pool.filter((shard) => wanted.has(shard.backend.url)),
        ...added.map((backend) => createPooledShard(backend, config, this.metrics, logger)),
      ];
      for (const shard of removed) retirePooledShard(shard, this.metrics);
      if (added.length > 0 || removed.length > 0) {
        logger.info(
          { added: added.map((backend) => backend.id), removed: removed.map((shard) => shard.backend.id), shards: this.pool.length },
          'shard list changed',
        );
      }
      this.publishShardGauges();
    });
    return this.backendsChange;
  }

  private listen(): Promise<void> {
    const { host, port } = this.options.config;
    return new Promise((resolve, reject) => {
      this.server.once('error', (error) => reject(new OdinError('E_LISTEN_FAILED', `cannot listen on ${host}:${port} (${error.message})`, { host, port })));
      this.server.listen({ host, port, backlog: 4096 }, () => {
        this.options.logger.info({ host, port: this.port, shards: this.pool.map((shard) => shard.backend.id) }, 'load balancer listening');
        resolve();
      });
    });
  }

  private publishShardGauges(): void {
    for (const shard of this.pool) publishShardSeries(shard, this.metrics, this.options.config.scoreWeights);
  }

  private async handleUpgrade(req: IncomingMessage, socket: Socket, head: Buffer): Promise<void> {
    socket.on('error', () => socket.destroy());
    if (pathOf(req) !== PUBLIC_PATH) {
      endWithJson(socket, '404 Not Found', { error: 'NOT_FOUND', hint: `WebSocket clients connect to ${PUBLIC_PATH}` });
      return;
    }
    const problem = handshakeProblemOf(req);
    if (problem) {
      // Refused here, before admission: a malformed handshake must never count against a shard's circuit.
      this.metrics.handshakeRejected.inc({ reason: problem.code });
      endWithJson(socket, HANDSHAKE_STATUS_LINES[problem.status], { error: problem.code, message: problem.message }, problem.headers);
      return;
    }
    if (this.draining) return this.refuse(req, socket, CloseCode.SERVICE_RESTART, { code: 'DRAINING', retryMs: DRAIN_RETRY_MS }, 'draining');
    const admitted = await this.admit(this.clientAddressOf(socket.remoteAddress, req.headers['x-forwarded-for']));
    if (admitted !== 'admitted') {
      this.metrics.admissionRejections.inc({ reason: admitted });
      return this.refuse(req, socket, CloseCode.TRY_AGAIN_LATER, { code: 'OVERLOADED', retryMs: OVERLOADED_RETRY_MS }, 'admission');
    }
    // Each hop appends its own peer to X-Forwarded-For, trusted proxy or not.
    const request = buildUpstreamRequest(req, socket.remoteAddress ?? 'unknown');
    const reasons: Array<HandshakeFailureReason | 'circuit_open'> = [];
    const order = orderShards(this.pool, this.options.config.scoreWeights);
    for (const [index, shard] of order.entries()) {
      if (socket.destroyed) return; // the client gave up while we were trying
      if (index > 0 && this.options.config.retryPauseMs > 0) await sleep(this.options.config.retryPauseMs);
      const labels = { shard_id: shard.backend.id };
      this.metrics.handshakeAttempts.inc(labels);
      const stopTimer = this.metrics.handshakeDuration.startTimer(labels);
      try {
        const upstream = await shard.breaker.fire(request);
        stopTimer();
        shard.failures.record(false);
        this.metrics.handshakeSuccess.inc(labels);
        this.metrics.handshakeRetries.inc({ attempt: String(index + 1) });
        if (socket.destroyed) {
          upstream.socket.destroy();
          return;
        }
        this.spliced.set(
          socket,
          splice(
            socket,
            head,
            upstream.socket,
            upstream.response,
            () => {
              this.spliced.delete(socket);
              if (this.spliced.size === 0) this.onAllSplicesClosed();
            },
            (reason) => this.metrics.clientProtocolErrors.inc({ reason }),
          ),
        );
        return;
      } catch (error) {
        const reason = error instanceof HandshakeFailure ? error.reason : ('circuit_open' as const);
        reasons.push(reason);
        // A refusal by the breaker itself is not a handshake the shard failed.
        if (reason !== 'circuit_open') shard.failures.record(true);
        this.metrics.handshakeFailures.inc({ ...labels, reason });
      }
    }
    // Every shard full means the fleet is overloaded (1013); otherwise none could take the client (1012).
    const overloaded = reasons.length > 0 && reasons.every((reason) => reason === 'shard_full');
    this.options.logger.debug({ reasons }, 'no shard took the handshake');
    if (overloaded) this.refuse(req, socket, CloseCode.TRY_AGAIN_LATER, { code: 'OVERLOADED', retryMs: OVERLOADED_RETRY_MS }, 'all_shards');
    else this.refuse(req, socket, CloseCode.SERVICE_RESTART, { code: 'NO_SHARD_AVAILABLE', retryMs: NO_SHARD_RETRY_MS }, 'all_shards');
  }

  private async admit(clientAddress: string): Promise<string> {
    const result = this.admission.admit(clientAddress);
    if (typeof result === 'string') return result;
    this.metrics.admissionQueued.inc();
    return result;
  }

  private refuse(req: IncomingMessage, socket: Socket, code: number, reason: CloseReason, cause: string): void {
    if (cause === 'all_shards') this.metrics.handshakeFailedAll.inc({ close_code: String(code) });
    if (!socket.destroyed) upgradeAndClose(req, socket, code, reason);
  }

  private async handleHttp(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = pathOf(req);
    const send = (status: number, body: unknown, headers: Record<string, string> = {}) => {
      this.metrics.httpRequests.inc({ status: String(status) });
      res.writeHead(status, { 'Content-Type': 'application/json', ...headers }).end(JSON.stringify(body));
    };
    if (path === '/metrics') {
      const text = await this.options.metricsText().catch((error: unknown) => {
        this.options.logger.warn({ err: error }, 'metrics unavailable');
        return undefined;
      });
      if (text === undefined) return send(500, { error: 'METRICS_UNAVAILABLE' });
      this.metrics.httpRequests.inc({ status: '200' });
      res.writeHead(200, { 'Content-Type': this.options.registry.contentType }).end(text);
      return;
    }
    if (path === '/health') return send(200, this.health());
    if (path === '/ready') {
      const ready = !this.draining && this.pool.some((shard) => shard.backend.health.ready && circuitState(shard) !== 'open');
      return ready ? send(200, { ready }) : send(503, { ready, draining: this.draining }, { 'Retry-After': '1' });
    }
    if (this.draining) return send(503, { error: 'DRAINING' }, { 'Retry-After': '1' });
    if (path === PUBLIC_PATH) return send(426, { error: 'UPGRADE_REQUIRED', hint: 'open a WebSocket to this path' }, { Upgrade: 'websocket' });
    return send(404, { error: 'NOT_FOUND', hint: `WebSocket clients connect to ${PUBLIC_PATH}` });
  }

  private health() {
    const { scoreWeights } = this.options.config;
    return {
      status: this.draining ? 'draining' : 'ok',
      pid: process.pid,
      proxied: this.spliced.size,
      admissionQueueDepth: this.admission.queueDepth,
      shards: this.pool.map((shard) => ({
        id: shard.backend.id,
        address: `${shard.backend.host}:${shard.backend.port}`,
        ready: shard.backend.health.ready,
        draining: shard.backend.health.draining,
        connections: shard.backend.health.connections,
        maxConnections: shard.backend.health.maxConnections,
        utilization: shard.backend.health.utilization,
        recentFailures: shard.failures.failureCount(),
        circuit: circuitState(shard),
        score: Number(healthScore(shard, scoreWeights).toFixed(4)),
      })),
    };
  }
}

function pathOf(req: IncomingMessage): string {
  const url = req.url ?? '/';
  const query = url.indexOf('?');
  return query === -1 ? url : url.slice(0, query);
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
