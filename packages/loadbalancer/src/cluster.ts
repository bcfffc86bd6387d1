import cluster, { type Worker } from 'node:cluster';
import { createTokenVerifier, perWorkerCap } from '@odin-ws/auth';
import type { LoadBalancerConfig } from '@odin-ws/config';
import { OdinError } from '@odin-ws/errors';
import { createMetricsRegistry, type Logger } from '@odin-ws/observability';
import { AggregatorRegistry } from 'prom-client';
import { clusterUserConnections, perWorkerAdmission, serveUserConnections } from './intake/index.js';
import { LoadBalancerWorker } from './load-balancer-worker.js';

const METRICS_REQUEST = 'odin-ws:metrics-request';
const METRICS_RESPONSE = 'odin-ws:metrics-response';
const DRAIN = 'odin-ws:drain';
const WORKER_RESTART_DELAY_MS = 500;
/**
 * This many worker deaths within the window is a crash loop (a bad shard list, a port taken, a
 * bug): restarting forever would leave a primary up with nothing listening, which no supervisor
 * notices. The primary exits instead.
 */
const CRASH_LOOP_DEATHS = 5;
const CRASH_LOOP_WINDOW_MS = 30_000;
const SPLICE_GRACE_SHARE = 0.7;
const METRICS_TIMEOUT_MS = 5000;

interface ClusterMessage {
  type: string;
  id: number;
  text?: string;
}

/** One process of the load balancer, as the CLI drives it: the primary or one of its workers. */
export interface LoadBalancerProcess {
  role: 'primary' | 'worker';
  /**
   * A worker stops accepting, lets spliced clients finish for a while, then closes the rest with
   * 1012; the primary asks every worker to drain and resolves when all have exited.
   */
  drain(): Promise<void>;
  /** A worker is told to drain by the primary (not by a signal); the listener should start the drain. */
  onDrainRequested(listener: () => void): void;
  /** The primary gave up (its workers keep dying): the process should exit non-zero. */
  onFatal(listener: (error: Error) => void): void;
}

/**
 * The load balancer as `workers` processes sharing one port (Node cluster). Why several: a process
 * may hold 20,000 file descriptors here and every proxied connection costs two, so one process
 * tops out near 10,000 clients. The primary supervises (restarts a worker that dies), aggregates
 * metrics (any worker's /metrics shows the sum over all of them) and holds the one count of each
 * user's connections (--max-connections-per-user). Signals and exiting
 * are the caller's business (apps/cli), not this library's.
 */
export async function startLoadBalancer(config: LoadBalancerConfig, logger: Logger): Promise<LoadBalancerProcess> {
  return cluster.isPrimary ? superviseWorkers(config, logger) : startWorker(config, logger);
}

async function startWorker(config: LoadBalancerConfig, logger: Logger): Promise<LoadBalancerProcess> {
  const registry = createMetricsRegistry({});
  AggregatorRegistry.setRegistries([registry]);
  // Hazard: prom-client installs the worker's answer to the primary's metrics request only in the
  // AggregatorRegistry constructor; without one, aggregation times out.
  new AggregatorRegistry();
  // The configured admission numbers hold for the whole load balancer: each worker gets its share.
  const workerConfig = {
    ...config,
    admission: perWorkerAdmission(config.admission, config.workers),
    maxConnectionsPerIp: perWorkerCap(config.maxConnectionsPerIp, config.workers),
  };
  const worker = await LoadBalancerWorker.start({
    config: workerConfig,
    logger: logger.child({ worker: cluster.worker?.id }),
    registry,
    metricsText: requestClusterMetrics,
    // Unlike the per-IP cap, a per-worker share would not do: one user's connections land on the
    // workers at random (user-connections.ts).
    userConnections: clusterUserConnections(),
  });
  return {
    role: 'worker',
    drain: () => {
      // Spliced clients may finish on their own until here; then they get 1012, with time left for
      // the close handshakes before the process must exit.
      setTimeout(() => worker.closeSpliced(), config.drainTimeoutS * 1000 * SPLICE_GRACE_SHARE).unref();
      return worker.drain();
    },
    onDrainRequested: (listener) => {
      process.on('message', (message: ClusterMessage) => {
        if (message?.type === DRAIN) listener();
      });
    },
    onFatal: () => undefined,
  };
}

function superviseWorkers(config: LoadBalancerConfig, logger: Logger): LoadBalancerProcess {
  // The workers read the key files too; reading them here first fails the start once, with the
  // flag named, instead of a worker crash-looping on an unreadable file.
  if (config.access.auth) createTokenVerifier(config.access.auth);
  serveUserConnections(config.maxConnectionsPerUser);
  const aggregator = new AggregatorRegistry();
  let stopping = false;
  cluster.on('message', (worker, message: ClusterMessage) => {
    if (message?.type !== METRICS_REQUEST) return;
    aggregator.clusterMetrics().then(
      (text) => worker.send({ type: METRICS_RESPONSE, id: message.id, text }),
      () => worker.send({ type: METRICS_RESPONSE, id: message.id }),
    );
  });
  const fatalListeners: Array<(error: Error) => void> = [];
  const deaths: number[] = [];
  cluster.on('exit', (worker, code, signal) => {
    if (stopping) return;
    const now = Date.now();
    deaths.push(now);
    while (deaths.length > 0 && deaths[0]! < now - CRASH_LOOP_WINDOW_MS) deaths.shift();
    if (deaths.length >= CRASH_LOOP_DEATHS) {
      stopping = true;
      const error = new OdinError(
        'E_WORKER_CRASH_LOOP',
        `${deaths.length} load-balancer workers died within ${CRASH_LOOP_WINDOW_MS / 1000} s (the last with code ${code}, signal ${signal}); see their last log lines`,
        { code, signal, deaths: deaths.length },
      );
      for (const listener of fatalListeners) listener(error);
      return;
    }
    logger.error({ worker: worker.id, code, signal }, 'load-balancer worker died; starting another');
    setTimeout(() => {
      if (!stopping) cluster.fork();
    }, WORKER_RESTART_DELAY_MS);
  });
  // However the primary ends (a second signal, the drain deadline), no worker outlives it.
  process.on('exit', () => {
    for (const worker of liveWorkers()) worker.process.kill('SIGKILL');
  });
  // The workers accept from the shared listening socket themselves. Node's default on Linux
  // (round-robin) has the primary accept every connection and pass each handle to a worker over
  // IPC: one process, one core, a message and an SCM_RIGHTS transfer per handshake, which capped
  // the handshake rate near 1,500/s here (docs/performance.md).
  cluster.schedulingPolicy = cluster.SCHED_NONE;
  // Memory with a known bound: a young generation of 2 x 32 MB (faster bursts: docs/performance.md),
  // and an old generation of workerHeapMb. Without the cap, connection churn let each worker's old
  // generation fill with garbage toward V8's own limit (measured: +5 MB per 2,000-connection round,
  // round after round); with it, the same 30 rounds stayed flat (docs/capacity.md).
  cluster.setupPrimary({ execArgv: [...process.execArgv, '--max-semi-space-size=32', `--max-old-space-size=${config.workerHeapMb}`] });
  for (let i = 0; i < config.workers; i++) cluster.fork();
  logger.info({ workers: config.workers, port: config.port, shards: config.shardUrlsFile ?? config.shardUrls }, 'load balancer starting');
  return {
    role: 'primary',
    drain: () => {
      stopping = true;
      for (const worker of liveWorkers()) worker.send({ type: DRAIN });
      return new Promise((resolve) => {
        const waitForWorkers = setInterval(() => {
          if (liveWorkers().length > 0) return;
          clearInterval(waitForWorkers);
          resolve();
        }, 50);
      });
    },
    onDrainRequested: () => undefined,
    onFatal: (listener) => fatalListeners.push(listener),
  };
}

function liveWorkers(): Worker[] {
  return Object.values(cluster.workers ?? {}).filter((worker): worker is Worker => worker !== undefined);
}

let nextRequestId = 0;

function requestClusterMetrics(): Promise<string> {
  return new Promise((resolve, reject) => {
    const id = ++nextRequestId;
    const onMessage = (message: ClusterMessage) => {
      if (message?.type !== METRICS_RESPONSE || message.id !== id) return;
      cleanup();
      if (message.text === undefined)
        reject(new OdinError('E_METRICS_AGGREGATION_FAILED', "the cluster primary could not aggregate the workers' metrics", { requestId: id }));
      else resolve(message.text);
    };
    const timer = setTimeout(() => {
      cleanup();
      reject(
        new OdinError('E_METRICS_AGGREGATION_FAILED', `no aggregated metrics from the cluster primary within ${METRICS_TIMEOUT_MS} ms`, { requestId: id }),
      );
    }, METRICS_TIMEOUT_MS);
    const cleanup = () => {
      clearTimeout(timer);
      process.off('message', onMessage);
    };
    process.on('message', onMessage);
    process.send?.({ type: METRICS_REQUEST, id });
  });
}
