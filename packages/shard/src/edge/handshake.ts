import type { ConnectionCap, TokenVerifier } from '@odin-ws/auth';
import type { ShardConfig } from '@odin-ws/config';
import {
  answeredSubprotocol,
  type ClientRefusal,
  CloseCode,
  clientRefusalClose,
  clientRefusalHttp,
  formatCloseReason,
  missingTokenRefusal,
  ORIGIN_REFUSAL,
  RetryHints,
  refusesWithCloseFrame,
  ShardRefusalCode,
  shardRefusalAnswer,
  tokenFromHandshake,
  tokenRefusal,
} from '@odin-ws/protocol';
import type { HttpRequest, HttpResponse, us_socket_context_t } from '../platform/index.js';
import { type ClientState, newClientState } from '../session/index.js';
import type { ShardMetrics } from '../shard-metrics.js';
import { handshakeProblemOf, sendHandshakeProblem, sendJson } from './http-routes.js';

export interface HandshakeDeps {
  config: ShardConfig;
  metrics: ShardMetrics;
  /** Undefined: no authentication (the earlier system's clients connect as they always did). */
  verifier: TokenVerifier | undefined;
  isDraining: () => boolean;
  connectionCount: () => number;
  /** --max-connections-per-user: places are taken here, for a token's `sub`, and released on close. */
  connectionsPerUser: ConnectionCap;
}

/**
 * Where a shard admits or refuses a handshake, in this order:
 * 1. the RFC 6455 rules (400/426/431);
 * 2. the browser origin, when --allowed-origins is set (403 ORIGIN_NOT_ALLOWED);
 * 3. the token, when authentication is on (401 with its code): a shard checks it even behind the
 *    load balancer, because a shard is a trust boundary of its own;
 *    (2 and 3 go out as a 4403/4401 close frame to clients that can read one: client-refusal.ts)
 * 4. draining or full (503 with X-Odin-Refusal);
 * then the upgrade, with the token's grants and expiry in the connection's state.
 */
export function createUpgradeHandler(deps: HandshakeDeps) {
  const { config, metrics, verifier } = deps;
  const allowedOrigins = new Set(config.access.allowedOrigins);
  return (res: HttpResponse, req: HttpRequest, context: us_socket_context_t): void => {
    const problem = handshakeProblemOf(req);
    if (problem) {
      metrics.connectionsRejected.inc({ reason: 'bad_handshake' });
      sendHandshakeProblem(res, problem);
      return;
    }
    // uWS frees the request when this handler returns: everything needed later is copied now.
    const origin = req.getHeader('origin');
    const protocol = req.getHeader('sec-websocket-protocol');
    const upgradeHeaders = [req.getHeader('sec-websocket-key'), answeredSubprotocol(protocol), req.getHeader('sec-websocket-extensions')] as const;
    const refuse = (refusal: ClientRefusal) => {
      if (refusesWithCloseFrame({ protocol, origin })) {
        const state = newClientState(0, Date.now());
        const close = clientRefusalClose(refusal);
        state.refusal = { code: close.code, reason: formatCloseReason(close.reason) };
        res.cork(() => res.upgrade(state, ...upgradeHeaders, context));
        return;
      }
      const answer = clientRefusalHttp(refusal);
      sendJson(res, answer.statusLine, answer.body, answer.headers);
    };
    if (allowedOrigins.size > 0 && origin !== '' && !allowedOrigins.has(origin.toLowerCase())) {
      metrics.connectionsRejected.inc({ reason: 'origin_not_allowed' });
      refuse(ORIGIN_REFUSAL);
      return;
    }
    const upgrade = (grants: ClientGrants) => {
      const refusal = deps.isDraining()
        ? ShardRefusalCode.DRAINING
        : deps.connectionCount() >= config.maxConnections
          ? ShardRefusalCode.AT_CAPACITY
          : undefined;
      if (refusal) {
        metrics.connectionsRejected.inc({ reason: refusal.toLowerCase() });
        const answer = shardRefusalAnswer(refusal);
        sendJson(res, answer.status, answer.body, answer.headers);
        return;
      }
      const state = newClientState(config.clientRateLimit * 2, Date.now());
      state.grants = grants.grants;
      state.expiresAt = grants.expiresAt;
      state.subject = grants.subject;
      if (grants.subject !== undefined && !deps.connectionsPerUser.take(grants.subject)) {
        // The user holds as many connections as it may: a close frame any client reads (1013), not
        // an HTTP refusal the load balancer would take for this shard's and try the next one with.
        metrics.connectionsRejected.inc({ reason: 'too_many_connections' });
        state.refusal = { code: CloseCode.TRY_AGAIN_LATER, reason: TOO_MANY_CONNECTIONS_REASON };
      }
      res.cork(() => res.upgrade(state, ...upgradeHeaders, context));
    };
    if (!verifier) {
      upgrade({ grants: undefined, expiresAt: Number.POSITIVE_INFINITY, subject: undefined });
      return;
    }
    const located = tokenFromHandshake(req.getQuery(), req.getHeader('authorization') || undefined, protocol, config.access.auth?.queryToken);
    if (!located.ok) {
      unauthorized(metrics, located.code);
      refuse(missingTokenRefusal(located.code));
      return;
    }
    // Verification is asynchronous: the client may go away meanwhile, and uWS must be told to expect that.
    let aborted = false;
    res.onAborted(() => {
      aborted = true;
    });
    void verifier.verify(located.token).then((result) => {
      if (aborted) return;
      if (!result.ok) {
        unauthorized(metrics, result.code);
        refuse(tokenRefusal(result.code, result.message));
      } else upgrade({ grants: result.identity.grants, expiresAt: result.identity.expiresAt, subject: result.identity.subject });
    });
  };
}

type ClientGrants = Pick<ClientState, 'grants' | 'expiresAt' | 'subject'>;

const TOO_MANY_CONNECTIONS_REASON = formatCloseReason({ code: 'TOO_MANY_CONNECTIONS', retryMs: RetryHints.tooManyConnectionsMs });

function unauthorized(metrics: ShardMetrics, code: string): void {
  metrics.connectionsRejected.inc({ reason: 'unauthorized' });
  metrics.authRefusals.inc({ code });
}
