import cluster from 'node:cluster';
import type { LoadBalancerConfig } from '@odin-ws/config';
import { createMetricsRegistry, type Logger } from '@odin-ws/observability';
import { AggregatorRegistry } from 'prom-client';
import { LoadBalancerWorker } from './lb-server.js';

const METRICS_REQUEST = 'odin-ws:metrics-request';
const METRICS_RESPONSE = 'odin-ws:metrics-response';
const DRAIN = 'odin-ws:drain';
const WORKER_RESTART_DELAY_MS = 500;
const SPLICE_GRACE_SHARE = 0.7;

interface MetricsMessage {
  type: string;
  id: number;
  text?: string;
}

/**
 * The load balancer as `workers` processes sharing one port (Node cluster). Why several: a process
 * may hold 20,000 file descriptors here and every proxied connection costs two, so one process
 * tops out near 10,000 clients. The primary only supervises (restarts a worker that dies) and
 * aggregates metrics: any worker's /metrics shows the sum over all of them.
 */
export async function runLoadBalancerCluster(config: LoadBalancerConfig, logger: Logger): Promise<void> {
  if (cluster.isPrimary) return superviseWorkers(config, logger);
  const registry = createMetricsRegistry({});
  AggregatorRegistry.setRegistries([registry]);
  // Hazard: prom-client installs the worker's answer to the primary's metrics request only in the
  // AggregatorRegistry constructor; without one, aggregation times out.
  new AggregatorRegistry();
  const worker = await LoadBalancerWorker.start({ config, logger: logger.child({ worker: cluster.worker?.id }), registry, metricsText: requestClusterMetrics });
  // Hazard: Ctrl-C signals the whole process group, so a worker gets SIGINT from the terminal and
  // the drain order from the primary. Every one of them means the same single drain; escalation
  // (a second Ctrl-C) is the primary's business.
  let draining = false;
  const drain = () => {
    if (draining) return;
    draining = true;
    // Spliced clients may finish on their own until here; then they get 1012, with time left for
    // the close handshakes before the process must exit.
    setTimeout(() => worker.closeSpliced(), config.drainTimeoutS * 1000 * SPLICE_GRACE_SHARE).unref();
    setTimeout(() => process.exit(0), config.drainTimeoutS * 1000).unref();
    void worker.drain().then(() => process.exit(0));
  };
  process.on('SIGINT', drain);
  process.on('SIGTERM', drain);
  process.on('message', (message: MetricsMessage) => {
    if (message?.type === DRAIN) drain();
  });
}

function superviseWorkers(config: LoadBalancerConfig, logger: Logger): void {
  const aggregator = new AggregatorRegistry();
  let stopping = false;
  cluster.on('message', (worker, message: MetricsMessage) => {
    if (message?.type !== METRICS_REQUEST) return;
    aggregator.clusterMetrics().then(
      (text) => worker.send({ type: METRICS_RESPONSE, id: message.id, text }),
      () => worker.send({ type: METRICS_RESPONSE, id: message.id }),
    );
  });
  cluster.on('exit', (worker, code, signal) => {
    if (stopping) return;
    logger.error({ worker: worker.id, code, signal }, 'load-balancer worker died; starting another');
    setTimeout(() => cluster.fork(), WORKER_RESTART_DELAY_MS);
  });
  for (let i = 0; i < config.workers; i++) cluster.fork();
  logger.info({ workers: config.workers, port: config.port, backends: config.backendUrlsFile ?? config.backendUrls }, 'load balancer starting');
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) {
      logger.warn({ signal }, 'second signal: stopping workers without finishing the drain');
      for (const worker of Object.values(cluster.workers ?? {})) worker?.process.kill('SIGKILL');
      process.exit(1);
    }
    stopping = true;
    logger.info({ signal }, 'load balancer stopping: draining workers');
    for (const worker of Object.values(cluster.workers ?? {})) worker?.send({ type: DRAIN });
    const deadline = setTimeout(() => process.exit(0), config.drainTimeoutS * 1000);
    deadline.unref();
    const waitForWorkers = setInterval(() => {
      if (Object.keys(cluster.workers ?? {}).length === 0) process.exit(0);
    }, 50);
    waitForWorkers.unref();
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

let nextRequestId = 0;

function requestClusterMetrics(): Promise<string> {
  return new Promise((resolve, reject) => {
    const id = ++nextRequestId;
    const onMessage = (message: MetricsMessage) => {
      if (message?.type !== METRICS_RESPONSE || message.id !== id) return;
      cleanup();
      if (message.text === undefined) reject(new Error('metrics aggregation failed'));
      else resolve(message.text);
    };
    const timer = setTimeout(() => {
      cleanup();
      reject(new Error('metrics aggregation timed out'));
    }, 5000);
    const cleanup = () => {
      clearTimeout(timer);
      process.off('message', onMessage);
    };
    process.on('message', onMessage);
    process.send?.({ type: METRICS_REQUEST, id });
  });
}
