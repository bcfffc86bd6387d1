import type { Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { ConnectionCap, type TokenVerifier } from '@odin-ws/auth';
import type { LoadBalancerConfig } from '@odin-ws/config';
import type { Logger } from '@odin-ws/observability';
import {
  type ClientRefusal,
  CloseCode,
  type CloseReason,
  clientRefusalClose,
  clientRefusalHttp,
  HANDSHAKE_STATUS_LINES,
  missingTokenRefusal,
  notFoundBody,
  ORIGIN_REFUSAL,
  RetryHints,
  refusesWithCloseFrame,
  tokenFromHandshake,
  tokenRefusal,
  WEBSOCKET_PATH,
} from '@odin-ws/protocol';
import {
  AdmissionControl,
  AuthFailureLimiter,
  createClientAddressResolver,
  endWithJson,
  type HandshakeRequest,
  handshakeProblemOf,
  localUserConnections,
  pathOf,
  type UserConnections,
} from '../intake/index.js';
import type { LoadBalancerMetrics } from '../lb-metrics.js';
import type { ShardPool } from '../pool/index.js';
import { dialPooledShard } from '../pool/index.js';
import { buildUpstreamRequest, HandshakeFailure, type HandshakeFailureReason, SplicedConnections, splice, upgradeAndClose } from '../relay/index.js';

export interface HandshakeRouterOptions {
  config: LoadBalancerConfig;
  logger: Logger;
  metrics: LoadBalancerMetrics;
  pool: ShardPool;
  /** Token verification; undefined when authentication is off. */
  verifier: TokenVerifier | undefined;
  isDraining: () => boolean;
  /** --max-connections-per-user over the whole load balancer (user-connections.ts); one process's own count by default. */
  userConnections?: UserConnections;
}

/** An address's burst of refused tokens, in seconds of --auth-failures-per-ip (auth-failures.ts). */
const AUTH_FAILURE_BURST_S = 10;

/**
 * Where a client handshake is routed, from the first byte to a spliced connection or a refusal,
 * cheapest refusals first, in this order:
 * 1. the path and the RFC 6455 rules: a malformed handshake gets an HTTP answer here and never
 *    reaches admission or a shard, so it cannot count against a shard's circuit;
 * 2. the browser origin (403, as a 4403 close frame to clients that can read one);
 * 3. a draining worker answers 1012;
 * 4. the client address's connection cap (--max-connections-per-ip), then admission control (global
 *    and per-IP token buckets, a bounded queue): a refusal is 1013. Both run before the token's
 *    signature is checked, so bad tokens from one address are bounded by the same per-address
 *    rates as any other flood;
 * 5. the token (401, or a 4401 close frame: client-refusal.ts in @odin-ws/protocol), unless the
 *    address has used up its refused tokens (1013 AUTH_RATE_LIMITED, no signature checked); then
 *    its user's connection cap over the whole load balancer (--max-connections-per-user: 1013
 *    TOO_MANY_CONNECTIONS). None of these reaches a shard or counts against one;
 * 6. the shards in the order shard-selector.ts gives, each dialled through its circuit breaker
 *    (pooled-shard.ts); a shard that fails is followed by the next;
 * 7. the first shard that answers 101 is spliced to the client (splice.ts); when none does, the
 *    client gets 1013 if every shard said it is full, else 1012 (close-frame.ts).
 */
export class HandshakeRouter {
  readonly spliced = new SplicedConnections();
  private readonly admission: AdmissionControl;
  /** --max-connections-per-ip, this worker's share. */
  private readonly connectionsPerIp: ConnectionCap;
  private readonly clientAddressOf: ReturnType<typeof createClientAddressResolver>;
  private readonly allowedOrigins: Set<string>;
  private readonly authFailures: AuthFailureLimiter;
  private readonly userConnections: UserConnections;

  constructor(private readonly options: HandshakeRouterOptions) {
    const { authFailuresPerIp } = options.config;
    this.authFailures = new AuthFailureLimiter(authFailuresPerIp * AUTH_FAILURE_BURST_S, authFailuresPerIp);
    this.userConnections = options.userConnections ?? localUserConnections(options.config.maxConnectionsPerUser);
    this.admission = new AdmissionControl(options.config.admission);
    this.connectionsPerIp = new ConnectionCap(options.config.maxConnectionsPerIp);
    this.clientAddressOf = createClientAddressResolver(options.config.trustedProxies);
    this.allowedOrigins = new Set(options.config.access.allowedOrigins);
  }

  get admissionQueueDepth(): number {
    return this.admission.queueDepth;
  }

  async route(req: HandshakeRequest, socket: Socket, head: Buffer): Promise<void> {
    socket.on('error', () => socket.destroy());
    const { metrics } = this.options;
    // Other upgrade paths get 404 here instead of costing a shard a failed handshake.
    if (pathOf(req.url ?? '/') !== WEBSOCKET_PATH) {
      endWithJson(socket, '404 Not Found', notFoundBody());
      return;
    }
    const problem = handshakeProblemOf(req);
    if (problem) {
      metrics.handshakeRejected.inc({ reason: problem.code });
      endWithJson(socket, HANDSHAKE_STATUS_LINES[problem.status], { error: problem.code, message: problem.message }, problem.headers);
      return;
    }
    if (!this.originAllowed(req.headers.origin)) {
      metrics.handshakeRejected.inc({ reason: ORIGIN_REFUSAL.code });
      refuseClient(req, socket, ORIGIN_REFUSAL);
      return;
    }
    if (this.options.isDraining()) {
      refuse(req, socket, CloseCode.SERVICE_RESTART, { code: 'DRAINING', retryMs: RetryHints.lbDrainingMs });
      return;
    }
    const clientAddress = this.clientAddressOf(socket.remoteAddress, req.headers['x-forwarded-for']);
    if (!this.connectionsPerIp.take(clientAddress)) {
      metrics.handshakeRejected.inc({ reason: 'TOO_MANY_CONNECTIONS' });
      refuse(req, socket, CloseCode.TRY_AGAIN_LATER, { code: 'TOO_MANY_CONNECTIONS', retryMs: RetryHints.tooManyConnectionsMs });
      return;
    }
    // The place is held from here to the end of the client's connection, whatever ends it.
    socket.once('close', () => this.connectionsPerIp.release(clientAddress));
    const admitted = await this.admit(clientAddress);
    if (admitted !== 'admitted') {
      metrics.admissionRejections.inc({ reason: admitted });
      refuse(req, socket, CloseCode.TRY_AGAIN_LATER, { code: 'OVERLOADED', retryMs: RetryHints.overloadedMs });
      return;
    }
    if (this.options.verifier && !(await this.authenticated(this.options.verifier, req, socket, clientAddress))) return;
    const failures = await this.connectToShard(req, socket, head);
    if (failures === undefined) return;
    // Every shard full means the fleet is overloaded (1013); otherwise none could take the client (1012).
    const overloaded = failures.length > 0 && failures.every((reason) => reason === 'shard_full');
    this.options.logger.debug({ reasons: failures }, 'no shard took the handshake');
    const code = overloaded ? CloseCode.TRY_AGAIN_LATER : CloseCode.SERVICE_RESTART;
    metrics.handshakeFailedAll.inc({ close_code: String(code) });
    refuse(
      req,
      socket,
      code,
      overloaded ? { code: 'OVERLOADED', retryMs: RetryHints.overloadedMs } : { code: 'NO_SHARD_AVAILABLE', retryMs: RetryHints.noShardMs },
    );
  }

  private originAllowed(origin: string | undefined): boolean {
    return this.allowedOrigins.size === 0 || origin === undefined || this.allowedOrigins.has(origin.toLowerCase());
  }

  /**
   * Whether the handshake's token lets it through to a shard (the shard checks it again: each tier
   * is a trust boundary); when not, the client has had its refusal. A token that verifies takes a
   * place of its user's --max-connections-per-user cap, held until the connection ends.
   */
  private async authenticated(verifier: TokenVerifier, req: HandshakeRequest, socket: Socket, clientAddress: string): Promise<boolean> {
    const { metrics, config } = this.options;
    if (!this.authFailures.allows(clientAddress)) {
      metrics.handshakeRejected.inc({ reason: 'AUTH_RATE_LIMITED' });
      refuse(req, socket, CloseCode.TRY_AGAIN_LATER, { code: 'AUTH_RATE_LIMITED', retryMs: RetryHints.authRateLimitedMs });
      return false;
    }
    const url = req.url ?? '';
    const query = url.includes('?') ? url.slice(url.indexOf('?') + 1) : '';
    const protocols = req.headers['sec-websocket-protocol'];
    const offered = Array.isArray(protocols) ? protocols.join(', ') : protocols;
    const located = tokenFromHandshake(query, req.headers.authorization, offered, config.access.auth?.queryToken);
    const verified = located.ok ? await verifier.verify(located.token) : undefined;
    if (!verified?.ok) {
      const refusal = located.ok ? tokenRefusal(verified!.code, verified!.message) : missingTokenRefusal(located.code);
      this.authFailures.failed(clientAddress);
      metrics.handshakeRejected.inc({ reason: refusal.code });
      metrics.authRefusals.inc({ code: refusal.code });
      refuseClient(req, socket, refusal);
      return false;
    }
    const { subject } = verified.identity;
    if (subject === undefined || config.maxConnectionsPerUser === 0) return true;
    if (!(await this.userConnections.take(subject))) {
      metrics.handshakeRejected.inc({ reason: 'TOO_MANY_CONNECTIONS' });
      refuse(req, socket, CloseCode.TRY_AGAIN_LATER, { code: 'TOO_MANY_CONNECTIONS', retryMs: RetryHints.tooManyConnectionsMs });
      return false;
    }
    if (socket.destroyed) this.userConnections.release(subject);
    else socket.once('close', () => this.userConnections.release(subject));
    return true;
  }

  private async admit(clientAddress: string): Promise<string> {
    const result = this.admission.admit(clientAddress);
    if (typeof result === 'string') return result;
    this.options.metrics.admissionQueued.inc();
    return result;
  }

  /**
   * Tries the shards in order until one answers 101 and splices it; undefined when the client is
   * spliced or gone, otherwise why each shard tried did not take it.
   */
  private async connectToShard(req: HandshakeRequest, socket: Socket, head: Buffer): Promise<HandshakeFailureReason[] | undefined> {
    const { config, metrics } = this.options;
    // Each hop appends its own peer to X-Forwarded-For, trusted proxy or not.
    const request = buildUpstreamRequest(req, socket.remoteAddress ?? 'unknown');
    const failures: HandshakeFailureReason[] = [];
    for (const [index, shard] of this.options.pool.candidates().entries()) {
      if (socket.destroyed) return undefined; // the client gave up while we were trying
      if (index > 0 && config.retryPauseMs > 0) await sleep(config.retryPauseMs);
      const labels = { shard_id: shard.id };
      metrics.handshakeAttempts.inc(labels);
      const stopTimer = metrics.handshakeDuration.startTimer(labels);
      try {
        const upstream = await dialPooledShard(shard, request);
        stopTimer();
        metrics.handshakeSuccess.inc(labels);
        metrics.handshakeRetries.inc({ attempt: String(index + 1) });
        if (socket.destroyed) {
          upstream.socket.destroy();
          return undefined;
        }
        const events = {
          onClose: () => this.spliced.delete(socket),
          onProtocolError: (reason: 'unmasked') => metrics.clientProtocolErrors.inc({ reason }),
          onStalledClient: () => metrics.stalledClientCuts.inc(),
        };
        this.spliced.add(socket, splice(socket, head, upstream, events, config.stalledClientTimeoutMs));
        return undefined;
      } catch (error) {
        if (!(error instanceof HandshakeFailure)) throw error;
        failures.push(error.reason);
        metrics.handshakeFailures.inc({ ...labels, reason: error.reason });
      }
    }
    return failures;
  }
}

function refuse(req: HandshakeRequest, socket: Socket, code: number, reason: CloseReason): void {
  if (!socket.destroyed) upgradeAndClose(req, socket, code, reason);
}

/** A refusal of the client itself (token, origin): a close frame to clients that can read one, else HTTP. */
function refuseClient(req: HandshakeRequest, socket: Socket, refusal: ClientRefusal): void {
  if (socket.destroyed) return;
  const protocol = req.headers['sec-websocket-protocol'];
  if (refusesWithCloseFrame({ protocol: Array.isArray(protocol) ? protocol.join(', ') : protocol, origin: req.headers.origin })) {
    const close = clientRefusalClose(refusal);
    upgradeAndClose(req, socket, close.code, close.reason);
    return;
  }
  const answer = clientRefusalHttp(refusal);
  endWithJson(socket, answer.statusLine, answer.body, answer.headers);
}
