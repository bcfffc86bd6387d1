// Types for opossum 10, the part of its API this package uses, written from opossum 10.0.0's
// lib/circuit.js and lib/status.js. No @types/opossum exists for 10 (DefinitelyTyped stops at 8.1,
// which types options and events opossum 10 renamed or dropped), and a wrong type here is a silent
// wrong breaker: when opossum moves, re-read those two files and this, together.
declare module 'opossum' {
  import { EventEmitter } from 'node:events';

  namespace CircuitBreaker {
    interface Options {
      /** ms before a call counts as a timeout; false: never. Default 10000. */
      timeout?: number | false;
      /** ms an open circuit waits before it lets one trial through (half-open). Default 30000. */
      resetTimeout?: number;
      /** Failure percentage over the rolling window at which the circuit opens. Default 50. */
      errorThresholdPercentage?: number;
      /** Calls in the window before the circuit may open at all. Default 0. */
      volumeThreshold?: number;
      /** Length of the rolling window, ms. Default 10000. */
      rollingCountTimeout?: number;
      /** Buckets of the rolling window. Default 10. */
      rollingCountBuckets?: number;
      /** Latency percentiles over the window (a sort per snapshot). Default true. */
      rollingPercentilesEnabled?: boolean;
      /** A `snapshot` event on `status` per bucket. Default true. */
      enableSnapshots?: boolean;
      /** true: the error is not a failure of the circuit (neither counted nor opening it). */
      errorFilter?: (error: unknown) => boolean;
      /** Concurrent calls allowed; past it, calls are rejected. Default unbounded. */
      capacity?: number;
      name?: string;
      allowWarmUp?: boolean;
    }

    /** The rolling window's counts (`breaker.stats`). */
    interface Stats {
      failures: number;
      fallbacks: number;
      successes: number;
      rejects: number;
      fires: number;
      timeouts: number;
      cacheHits: number;
      cacheMisses: number;
      coalesceCacheHits: number;
      coalesceCacheMisses: number;
      semaphoreRejections: number;
      percentiles: Record<string, number>;
      latencyTimes: number[];
      /** -1 while percentiles are off or nothing was timed. */
      latencyMean: number;
    }

    /** The window itself: emits `snapshot` (a Stats) once per bucket when snapshots are on. */
    interface Status extends EventEmitter {
      readonly stats: Stats;
      on(event: 'snapshot', listener: (snapshot: Stats) => void): this;
    }
  }

  class CircuitBreaker<TArgs extends unknown[] = unknown[], TResult = unknown> extends EventEmitter {
    constructor(action: (...args: TArgs) => Promise<TResult>, options?: CircuitBreaker.Options);
    /** Calls the action through the circuit: rejected at once while it is open. */
    fire(...args: TArgs): Promise<TResult>;
    open(): void;
    close(): void;
    /** Stops its timers for good; the breaker cannot be used afterwards. */
    shutdown(): void;
    readonly closed: boolean;
    readonly opened: boolean;
    readonly halfOpen: boolean;
    readonly stats: CircuitBreaker.Stats;
    readonly status: CircuitBreaker.Status;
    on(event: 'open' | 'halfOpen' | 'close' | 'shutdown', listener: () => void): this;
    on(event: 'success', listener: (result: TResult, latencyMs: number) => void): this;
    on(event: 'failure' | 'reject' | 'timeout', listener: (error: unknown, latencyMs: number, args: TArgs) => void): this;
  }

  export = CircuitBreaker;
}
