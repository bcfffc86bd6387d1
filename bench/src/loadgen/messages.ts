import type { LatencySummary } from '../latency.js';
/** IPC between the load-generator coordinator and its worker processes. */
export interface StartCommand {
  type: 'start';
  urls: string[];
  connections: number;
  /** Each client subscribes to `perClient` channels picked at random from these. */
  channels: string[];
  perClient: number;
  /** Source addresses to spread connections over (127.0.0.x), so ephemeral ports never run out. */
  localAddresses: string[];
  /** Handshakes in flight at once (when no rate is set). */
  concurrency: number;
  /** Open connections at this steady rate (per worker) instead of as fast as possible. */
  ratePerSecond?: number;
}

export interface ReadyReport {
  type: 'ready';
  open: number;
  failed: number;
  errors: Record<string, number>;
  /** Open to subscription ack, per connection opened. */
  handshake: LatencySummary;
}

export interface ProgressReport {
  type: 'progress';
  open: number;
  failed: number;
  received: number;
}

export interface ResultReport {
  type: 'result';
  received: number;
  /** Producer timestamp to receive time, over every delivered envelope. */
  latency: LatencySummary;
  closedEarly: number;
  /** Connections still open when the result was collected. */
  stillOpen: number;
  cpuSeconds: number;
  rssBytes: number;
  /** CPU and wall seconds from the first frames to the last (delivery-cpu.ts). */
  deliveryCpuSeconds: number;
  deliverySeconds: number;
}

export type WorkerReport = ReadyReport | ProgressReport | ResultReport;
export type CoordinatorCommand = StartCommand | { type: 'collect' } | { type: 'stop' };
