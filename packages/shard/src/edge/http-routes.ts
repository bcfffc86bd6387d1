import {
  checkWebSocketHandshake,
  HANDSHAKE_STATUS_LINES,
  type HandshakeProblem,
  notFoundBody,
  SHARD_LOAD_PATH,
  type ShardHealthReport,
  shardLoadReportOf,
  WEBSOCKET_PATH,
} from '@odin-ws/protocol';
import type { Registry } from 'prom-client';
import type { HttpRequest, HttpResponse, TemplatedApp } from '../platform/index.js';

/**
 * The ops routes: /health (always 200, the full report), /ready (200 only while the shard should
 * get new clients: consuming Kafka and not draining), /metrics (Prometheus text) and /load. On the
 * private ops surface unless --ops-on-public-port puts them on the public port.
 */
function registerOpsRoutes(app: TemplatedApp, health: () => ShardHealthReport, registry: Registry): void {
  app.get('/health', (res) => {
    sendJson(res, '200 OK', health());
  });
  registerLoadRoute(app, health);
  app.get('/ready', (res) => {
    const report = health();
    const ready = report.status === 'ok';
    sendJson(res, ready ? '200 OK' : '503 Service Unavailable', { ready, status: report.status, kafka: report.kafka.state });
  });
  app.get('/metrics', (res) => {
    // registry.metrics() is async: uWS requires an abort handler before the response outlives this call.
    let aborted = false;
    res.onAborted(() => {
      aborted = true;
    });
    void registry.metrics().then(
      (text) => {
        if (!aborted) res.cork(() => res.writeHeader('Content-Type', registry.contentType).end(text));
      },
      () => {
        if (!aborted) res.cork(() => res.writeStatus('500 Internal Server Error').end());
      },
    );
  });
}

/** What the load balancer routes by, and nothing else (ShardLoadReport): on every surface. */
function registerLoadRoute(app: TemplatedApp, health: () => ShardHealthReport): void {
  app.get(SHARD_LOAD_PATH, (res) => {
    sendJson(res, '200 OK', shardLoadReportOf(health()));
  });
}

/** The private ops surface (--admin-port): the ops routes and nothing else. */
export function registerAdminRoutes(app: TemplatedApp, health: () => ShardHealthReport, registry: Registry): void {
  registerOpsRoutes(app, health, registry);
  notFound(app);
}

/**
 * The public port: /ws and /load, and the ops routes too with --ops-on-public-port. Otherwise /health
 * and /ready here are the minimal liveness and readiness answers: "up" and "taking clients" (no pid,
 * counts or Kafka state); /load tells the load balancer the shard's id, status and load, nothing
 * more; and requests on /ws that are not handshakes get the rule they broke.
 */
export function registerPublicRoutes(app: TemplatedApp, health: () => ShardHealthReport, registry: Registry, opsHere: boolean): void {
  if (opsHere) {
    registerOpsRoutes(app, health, registry);
  } else {
    app.get('/health', (res) => {
      sendJson(res, '200 OK', { status: health().status === 'draining' ? 'draining' : 'up' });
    });
    app.get('/ready', (res) => {
      const ready = health().status === 'ok';
      sendJson(res, ready ? '200 OK' : '503 Service Unavailable', { ready });
    });
    registerLoadRoute(app, health);
  }
  // Requests to the WebSocket path that uWS did not take as an upgrade (no or a malformed key, no
  // Upgrade header, another method) get the handshake rule they broke.
  app.any(WEBSOCKET_PATH, (res, req) => {
    sendHandshakeProblem(res, handshakeProblemOf(req) ?? { status: 400, code: 'BAD_HANDSHAKE', message: 'not a WebSocket handshake', headers: {} });
  });
  notFound(app);
}

function notFound(app: TemplatedApp): void {
  app.any('/*', (res, req) => {
    sendJson(res, '404 Not Found', { ...notFoundBody(), path: req.getUrl() });
  });
}

export function sendJson(res: HttpResponse, status: string, body: unknown, headers: Record<string, string> = {}): void {
  res.cork(() => {
    res.writeStatus(status).writeHeader('Content-Type', 'application/json');
    for (const [name, value] of Object.entries(headers)) res.writeHeader(name, value);
    res.end(JSON.stringify(body));
  });
}

/** Larger handshakes are refused with 431, as Node (and so the load balancer) refuses them. */
const MAX_HANDSHAKE_HEADER_BYTES = 16 * 1024;

/** The handshake rule a request breaks, if any (uWS reports a missing header as ''). */
export function handshakeProblemOf(req: HttpRequest): HandshakeProblem | undefined {
  let headerBytes = 0;
  let hostHeaders = 0;
  req.forEach((name, value) => {
    headerBytes += name.length + value.length + 4;
    if (name === 'host') hostHeaders++;
  });
  if (headerBytes > MAX_HANDSHAKE_HEADER_BYTES) {
    return { status: 431, code: 'HEADERS_TOO_LARGE', message: `handshake headers over ${MAX_HANDSHAKE_HEADER_BYTES} bytes`, headers: {} };
  }
  const header = (name: string) => req.getHeader(name) || undefined;
  return checkWebSocketHandshake({
    method: req.getCaseSensitiveMethod(),
    upgrade: header('upgrade'),
    connection: header('connection'),
    key: header('sec-websocket-key'),
    version: header('sec-websocket-version'),
    hostHeaders,
  });
}

export function sendHandshakeProblem(res: HttpResponse, problem: HandshakeProblem): void {
  sendJson(res, HANDSHAKE_STATUS_LINES[problem.status], { error: problem.code, message: problem.message }, problem.headers);
}
