import type { Registry } from 'prom-client';
import type { HttpResponse, TemplatedApp } from './uws.js';

export interface HealthReport {
  shardId: string;
  status: 'ok' | 'warming' | 'degraded' | 'draining';
  connections: number;
  maxConnections: number;
  utilization: number;
  subscriptions: number;
  channels: number;
  kafka: { state: string; consuming: boolean };
  draining: boolean;
  uptimeS: number;
}

/**
 * /health (always 200, JSON, what the LB polls), /ready (200 only while the shard should get new
 * clients: consuming Kafka and not draining) and /metrics (Prometheus text).
 */
export function registerHttpRoutes(app: TemplatedApp, health: () => HealthReport, registry: Registry): void {
  app.get('/health', (res) => {
    sendJson(res, '200 OK', health());
  });
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
  app.any('/*', (res, req) => {
    sendJson(res, '404 Not Found', { error: 'NOT_FOUND', path: req.getUrl(), hint: 'WebSocket clients connect to /ws' });
  });
}

export function sendJson(res: HttpResponse, status: string, body: unknown, headers: Record<string, string> = {}): void {
  res.cork(() => {
    res.writeStatus(status).writeHeader('Content-Type', 'application/json');
    for (const [name, value] of Object.entries(headers)) res.writeHeader(name, value);
    res.end(JSON.stringify(body));
  });
}
