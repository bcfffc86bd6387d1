import { request } from 'node:http';

/** One shard as the load balancer sees it: where it is, and what its last /health said. */
export interface Backend {
  /** As configured: what a changed shard list is compared by. */
  url: string;
  /** Stable label for metrics: the shard id from /health once known, else host:port. */
  id: string;
  host: string;
  port: number;
  health: BackendHealth;
  /** Set once the shard reported its own id: from then on the id never changes. */
  idFrozen: boolean;
}

export interface BackendHealth {
  /** True when the last poll succeeded and the shard said status "ok" (consuming, not draining). */
  ready: boolean;
  draining: boolean;
  connections: number;
  maxConnections: number;
  utilization: number;
  /** ms since the epoch of the last successful poll; 0 before the first. */
  polledAt: number;
}

export function parseBackendUrls(urls: string[]): Backend[] {
  return urls.map((url) => {
    const { hostname, port } = new URL(url);
    return {
      url,
      id: `${hostname}:${port}`,
      host: hostname,
      port: Number(port),
      health: { ready: false, draining: false, connections: 0, maxConnections: 0, utilization: 1, polledAt: 0 },
      idFrozen: false,
    };
  });
}

/**
 * Polls every current backend's /health on an interval. A shard that does not answer, answers
 * badly, is draining or not consuming Kafka is marked not ready and gets no new handshakes until it
 * recovers. `backends` is read at every round, so shards added or removed are followed.
 */
export function startHealthPolling(backends: () => Backend[], intervalMs: number, onPolled: (backend: Backend) => void): () => void {
  const timeoutMs = pollTimeoutMs(intervalMs);
  const pollAll = () => {
    for (const backend of backends()) void refreshHealth(backend, timeoutMs).then(() => onPolled(backend));
  };
  const timer = setInterval(pollAll, intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}

/**
 * At least a second even with short intervals: on a loaded machine a healthy shard can take a few
 * hundred ms to answer, and a timed-out first poll would label its metrics host:port for good.
 */
export function pollTimeoutMs(intervalMs: number): number {
  return Math.max(1000, Math.min(intervalMs, 2000));
}

/** Polls one backend's /health once and records what it said (not ready if it said nothing useful). */
export async function refreshHealth(backend: Backend, timeoutMs: number): Promise<void> {
  const health = await pollHealth(backend, timeoutMs);
  backend.health = health ?? { ...backend.health, ready: false };
}

function pollHealth(backend: Backend, timeoutMs: number): Promise<BackendHealth | undefined> {
  return new Promise((resolve) => {
    const req = request({ host: backend.host, port: backend.port, path: '/health', timeout: timeoutMs, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve(parseHealth(backend, res.statusCode, body)));
      res.on('error', () => resolve(undefined));
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(undefined));
    req.end();
  });
}

function parseHealth(backend: Backend, status: number | undefined, body: string): BackendHealth | undefined {
  if (status !== 200) return undefined;
  try {
    const report = JSON.parse(body) as Record<string, unknown>;
    if (!backend.idFrozen && typeof report['shardId'] === 'string') {
      backend.id = report['shardId'];
      backend.idFrozen = true;
    }
    const connections = Number(report['connections']) || 0;
    const maxConnections = Number(report['maxConnections']) || 0;
    return {
      ready: report['status'] === 'ok',
      draining: report['draining'] === true,
      connections,
      maxConnections,
      utilization: maxConnections > 0 ? Math.min(1, connections / maxConnections) : 1,
      polledAt: Date.now(),
    };
  } catch {
    return undefined;
  }
}
