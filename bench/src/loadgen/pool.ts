import { type ChildProcess, fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { mergeSummaries } from '../latency.js';
import type { ReadyReport, ResultReport, StartCommand, WorkerReport } from './messages.js';

// Always the built worker (pnpm build), also when this module runs from source under vitest:
// src/loadgen and dist/loadgen both resolve this path to dist.
const WORKER = fileURLToPath(new URL('../../dist/loadgen/worker.js', import.meta.url));
/** Below the 20,000 descriptors a process may hold here, with room for everything else. */
const MAX_CONNECTIONS_PER_WORKER = 15_000;
const SOURCE_ADDRESSES = Array.from({ length: 16 }, (_, i) => `127.0.0.${i + 2}`);

/** The load generator: worker processes that together hold `connections` subscribed clients. */
export class LoadGenerator {
  private readonly workers: ChildProcess[] = [];
  private readonly received = new Map<ChildProcess, number>();
  private readonly open = new Map<ChildProcess, number>();

  constructor(private readonly onProgress: (open: number, received: number) => void = () => undefined) {}

  async connect(options: {
    urls: string[];
    connections: number;
    channels: string[];
    perClient?: number;
    processes?: number;
    ratePerSecond?: number;
    /** Without a rate: handshakes in flight at once over all processes (default 64 each). */
    inFlight?: number;
  }): Promise<ReadyReport> {
    const processes = options.processes ?? Math.max(1, Math.ceil(options.connections / MAX_CONNECTIONS_PER_WORKER));
    const ready = await Promise.all(
      Array.from({ length: processes }, (_, i) => {
        const share = Math.floor(options.connections / processes) + (i < options.connections % processes ? 1 : 0);
        const worker = fork(WORKER, [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
        this.workers.push(worker);
        worker.on('message', (report: WorkerReport) => {
          if (report.type === 'progress') {
            this.open.set(worker, report.open);
            this.received.set(worker, report.received);
            this.onProgress(sum(this.open), sum(this.received));
          }
        });
        const command: StartCommand = {
          type: 'start',
          urls: options.urls,
          connections: share,
          channels: options.channels,
          perClient: options.perClient ?? 1,
          localAddresses: SOURCE_ADDRESSES,
          concurrency: options.inFlight ? Math.ceil(options.inFlight / processes) : 64,
          ...(options.ratePerSecond ? { ratePerSecond: options.ratePerSecond / processes } : {}),
        };
        worker.send(command);
        return this.next<ReadyReport>(worker, 'ready');
      }),
    );
    return {
      type: 'ready',
      open: ready.reduce((n, r) => n + r.open, 0),
      failed: ready.reduce((n, r) => n + r.failed, 0),
      errors: ready.reduce<Record<string, number>>((all, r) => {
        for (const [k, v] of Object.entries(r.errors)) all[k] = (all[k] ?? 0) + v;
        return all;
      }, {}),
      handshake: mergeSummaries(ready.map((r) => r.handshake)),
    };
  }

  /** The worker processes, for their CPU. */
  pids(): number[] {
    return this.workers.map((worker) => worker.pid!);
  }

  /** Frames received so far over all workers (from their last progress report). */
  get receivedSoFar(): number {
    return sum(this.received);
  }

  /** The workers' results summed, with their CPU while frames arrived as cores in use (over the longest window). */
  async collect(): Promise<Omit<ResultReport, 'type' | 'deliveryCpuSeconds' | 'deliverySeconds'> & { deliveryCpuCores: number }> {
    const results = await Promise.all(
      this.workers.map((worker) => {
        const result = this.next<ResultReport>(worker, 'result');
        worker.send({ type: 'collect' });
        return result;
      }),
    );
    return {
      received: results.reduce((n, r) => n + r.received, 0),
      latency: mergeSummaries(results.map((r) => r.latency)),
      closedEarly: results.reduce((n, r) => n + r.closedEarly, 0),
      stillOpen: results.reduce((n, r) => n + r.stillOpen, 0),
      cpuSeconds: results.reduce((n, r) => n + r.cpuSeconds, 0),
      rssBytes: results.reduce((n, r) => n + r.rssBytes, 0),
      deliveryCpuCores: coresUsed(results),
    };
  }

  stop(): void {
    for (const worker of this.workers) if (worker.connected) worker.send({ type: 'stop' });
  }

  private next<T extends WorkerReport>(worker: ChildProcess, type: T['type']): Promise<T> {
    return new Promise((resolve, reject) => {
      const onMessage = (report: WorkerReport) => {
        if (report.type !== type) return;
        worker.off('message', onMessage);
        resolve(report as T);
      };
      worker.on('message', onMessage);
      worker.once('exit', (code) => reject(new Error(`load-generator worker exited with ${code} before '${type}'`)));
    });
  }
}

function sum(values: Map<unknown, number>): number {
  let total = 0;
  for (const value of values.values()) total += value;
  return total;
}

function coresUsed(results: ResultReport[]): number {
  const window = Math.max(...results.map((r) => r.deliverySeconds));
  return window > 0 ? results.reduce((n, r) => n + r.deliveryCpuSeconds, 0) / window : 0;
}
