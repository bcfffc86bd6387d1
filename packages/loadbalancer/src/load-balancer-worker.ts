import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { createTokenVerifier } from '@odin-ws/auth';
import type { LoadBalancerConfig } from '@odin-ws/config';
import { OdinError } from '@odin-ws/errors';
import type { Logger } from '@odin-ws/observability';
import { CloseCode, drainReconnectMs, formatCloseReason, HttpErrorCode, notFoundBody, retryAfterHeader, WEBSOCKET_PATH } from '@odin-ws/protocol';
import type { Registry } from 'prom-client';
import { answerClientError, type HandshakeRequest, pathOf, takePlainHandshakes, type UserConnections } from './intake/index.js';
import { createLoadBalancerMetrics, type LoadBalancerMetrics } from './lb-metrics.js';
import { ShardPool } from './pool/index.js';
import { HandshakeRouter } from './routing/index.js';

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
  /** Each user's connections over the whole load balancer: in a cluster, counted by the primary. */
  userConnections?: UserConnections;
}

/**
 * One load-balancer process: an HTTP server whose upgrades go to the HandshakeRouter (where a
 * handshake is routed, handshake-router.ts) and whose plain requests are /health, /ready and
 * /metrics. The shards and what is known of them live in the ShardPool (shard-pool.ts).
 */
export class LoadBalancerWorker {
  private readonly server: Server;
  private readonly metrics: LoadBalancerMetrics;
  private readonly pool: ShardPool;
  private readonly router: HandshakeRouter;
  private draining = false;

  private constructor(private readonly options: LoadBalancerWorkerOptions) {
    const { config, logger, registry } = options;
    this.metrics = createLoadBalancerMetrics(registry, () => ({ proxied: this.router.spliced.size, queueDepth: this.router.admissionQueueDepth }));
    this.pool = new ShardPool(config, this.metrics, logger);
    // Key files are read now: an unusable one fails the start (E_AUTH_CONFIG).
    const verifier = config.access.auth ? createTokenVerifier(config.access.auth) : undefined;
    this.router = new HandshakeRouter({
      config,
      logger,
      metrics: this.metrics,
      pool: this.pool,
      verifier,
      isDraining: () => this.draining,
      ...(options.userConnections ? { userConnections: options.userConnections } : {}),
    });
    this.server = createServer(
      { headersTimeout: HEADERS_TIMEOUT_MS, requestTimeout: REQUEST_TIMEOUT_MS, connectionsCheckingInterval: CONNECTIONS_CHECK_INTERVAL_MS },
      (req, res) => void this.handleHttp(req, res),
    );
    const route = (req: HandshakeRequest, socket: Socket, head: Buffer) => void this.router.route(req, socket, head);
    // Plain WebSocket handshakes skip node:http (handshake-intake.ts); it parses every other request.
    takePlainHandshakes(this.server, WEBSOCKET_PATH, HEADERS_TIMEOUT_MS, route);
    this.server.on('upgrade', route);
    this.server.on('clientError', (error: NodeJS.ErrnoException, socket: Socket) => answerClientError(error, socket));
  }

  static async start(options: LoadBalancerWorkerOptions): Promise<LoadBalancerWorker> {
    const worker = new LoadBalancerWorker(options);
    await worker.pool.start();
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
    logger.info({ proxied: this.router.spliced.size, drainTimeoutS: config.drainTimeoutS }, 'load balancer drain started');
    // Upgraded sockets no longer hold server.close() open, so the splices are awaited themselves.
    this.server.close();
    await this.router.spliced.whenEmpty();
    this.pool.stop();
    logger.info('load balancer drain complete');
  }

  /** Closes every spliced connection with 1012 DRAINING, each with its own random retry delay. */
  closeSpliced(): void {
    this.router.spliced.closeAll(CloseCode.SERVICE_RESTART, () => formatCloseReason({ code: 'DRAINING', retryMs: drainReconnectMs() }));
  }

  private async listen(): Promise<void> {
    const { host, port, access } = this.options.config;
    await listenOn(this.server, host, port, 4096);
    this.options.logger.info({ host, port: this.port, shards: this.pool.ids }, 'load balancer listening');
    if (access.admin) {
      // The ops surface stays open through a drain, so operators and health checks see it to the end.
      const admin = createServer((req, res) => void this.handleAdmin(req, res));
      await listenOn(admin, access.admin.host, access.admin.port, 128);
      this.options.logger.info({ host: access.admin.host, port: access.admin.port }, 'ops surface listening');
    }
  }

  private async handleHttp(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = pathOf(req.url ?? '/');
    const opsHere = this.options.config.access.admin === undefined;
    if (opsHere && (await this.handleOps(path, res))) return;
    const send = this.responder(res);
    if (!opsHere && path === '/health') return send(200, { status: this.draining ? 'draining' : 'up' });
    if (!opsHere && path === '/ready') return this.sendReady(send, false);
    if (this.draining) return send(503, { error: HttpErrorCode.DRAINING }, retryAfterHeader());
    if (path === WEBSOCKET_PATH) return send(426, { error: HttpErrorCode.UPGRADE_REQUIRED, hint: 'open a WebSocket to this path' }, { Upgrade: 'websocket' });
    return send(404, notFoundBody());
  }

  /** The private ops surface (--admin-port): /metrics, the detailed /health, /ready; nothing else. */
  private async handleAdmin(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (!(await this.handleOps(pathOf(req.url ?? '/'), res))) this.responder(res)(404, { error: HttpErrorCode.NOT_FOUND });
  }

  /** Answers /metrics, /health or /ready; false for any other path. */
  private async handleOps(path: string, res: ServerResponse): Promise<boolean> {
    const send = this.responder(res);
    if (path === '/metrics') {
      const text = await this.options.metricsText().catch((error: unknown) => {
        this.options.logger.warn({ err: error }, 'metrics unavailable');
        return undefined;
      });
      if (text === undefined) {
        send(500, { error: HttpErrorCode.METRICS_UNAVAILABLE });
        return true;
      }
      this.metrics.httpRequests.inc({ status: '200' });
      res.writeHead(200, { 'Content-Type': this.options.registry.contentType }).end(text);
      return true;
    }
    if (path === '/health') {
      send(200, this.health());
      return true;
    }
    if (path === '/ready') {
      this.sendReady(send, true);
      return true;
    }
    return false;
  }

  private sendReady(send: ReturnType<LoadBalancerWorker['responder']>, detailed: boolean): void {
    const ready = !this.draining && this.pool.anyReady;
    if (ready) send(200, { ready });
    else send(503, detailed ? { ready, draining: this.draining } : { ready }, retryAfterHeader());
  }

  private responder(res: ServerResponse) {
    return (status: number, body: unknown, headers: Record<string, string> = {}) => {
      this.metrics.httpRequests.inc({ status: String(status) });
      res.writeHead(status, { 'Content-Type': 'application/json', ...headers }).end(JSON.stringify(body));
    };
  }

  private health() {
    return {
      status: this.draining ? 'draining' : 'ok',
      pid: process.pid,
      proxied: this.router.spliced.size,
      admissionQueueDepth: this.router.admissionQueueDepth,
      shards: this.pool.describe(),
    };
  }
}

function listenOn(server: Server, host: string, port: number, backlog: number): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', (error) => reject(new OdinError('E_LISTEN_FAILED', `cannot listen on ${host}:${port} (${error.message})`, { host, port })));
    server.listen({ host, port, backlog }, () => resolve());
  });
}
