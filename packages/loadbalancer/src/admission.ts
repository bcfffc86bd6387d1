/**
 * Admission control for new handshakes: a global token bucket and one per client IP. A handshake
 * with no token waits in a FIFO queue (bounded in depth and in wait) instead of being refused at
 * once — the seeds measured that orderly queueing beats both no limit and hard refusal under
 * bursts. Only a full queue or an expired wait refuses (the caller answers 1013).
 */
export interface AdmissionOptions {
  ratePerSecond: number;
  ipRatePerSecond: number;
  queueDepth: number;
  maxWaitMs: number;
}

export type AdmissionResult = 'admitted' | 'queue_full' | 'wait_expired';

interface Waiter {
  ip: string;
  enqueuedAt: number;
  resolve: (result: AdmissionResult) => void;
}

class TokenBucket {
  private tokens: number;
  private updatedAt = Date.now();

  constructor(private readonly ratePerSecond: number) {
    this.tokens = ratePerSecond;
  }

  refill(now: number): void {
    this.tokens = Math.min(this.ratePerSecond, this.tokens + ((now - this.updatedAt) * this.ratePerSecond) / 1000);
    this.updatedAt = now;
  }

  get available(): boolean {
    return this.tokens >= 1;
  }

  take(): void {
    this.tokens -= 1;
  }

  get full(): boolean {
    return this.tokens >= this.ratePerSecond;
  }
}

export class AdmissionControl {
  private readonly global: TokenBucket;
  private readonly perIp = new Map<string, TokenBucket>();
  private readonly queue: Waiter[] = [];
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly options: AdmissionOptions) {
    this.global = new TokenBucket(options.ratePerSecond);
  }

  get queueDepth(): number {
    return this.queue.length;
  }

  admit(ip: string): Promise<AdmissionResult> | AdmissionResult {
    const now = Date.now();
    if (this.queue.length === 0 && this.tryTake(ip, now)) return 'admitted';
    if (this.queue.length >= this.options.queueDepth) return 'queue_full';
    return new Promise((resolve) => {
      this.queue.push({ ip, enqueuedAt: now, resolve });
      this.schedule();
    });
  }

  private tryTake(ip: string, now: number): boolean {
    this.global.refill(now);
    if (!this.global.available) return false;
    let bucket = this.perIp.get(ip);
    if (!bucket) {
      bucket = new TokenBucket(this.options.ipRatePerSecond);
      this.perIp.set(ip, bucket);
    }
    bucket.refill(now);
    if (!bucket.available) return false;
    this.global.take();
    bucket.take();
    return true;
  }

  /** Serves the queue in order as tokens come back; a head blocked by its IP's bucket does not block others. */
  private drainQueue(): void {
    this.timer = undefined;
    const now = Date.now();
    for (let i = 0; i < this.queue.length; ) {
      const waiter = this.queue[i]!;
      if (now - waiter.enqueuedAt > this.options.maxWaitMs) {
        this.queue.splice(i, 1);
        waiter.resolve('wait_expired');
      } else if (this.tryTake(waiter.ip, now)) {
        this.queue.splice(i, 1);
        waiter.resolve('admitted');
      } else if (!this.global.available) {
        break;
      } else {
        i++;
      }
    }
    this.forgetIdleBuckets();
    if (this.queue.length > 0) this.schedule();
  }

  private schedule(): void {
    if (this.timer) return;
    // One token's worth of time at the global rate, at least 1 ms.
    this.timer = setTimeout(() => this.drainQueue(), Math.max(1, Math.floor(1000 / this.options.ratePerSecond)));
  }

  /** Per-IP buckets that refilled completely carry no state worth keeping: bounded memory under many IPs. */
  private forgetIdleBuckets(): void {
    if (this.perIp.size < 10_000) return;
    const now = Date.now();
    for (const [ip, bucket] of this.perIp) {
      bucket.refill(now);
      if (bucket.full) this.perIp.delete(ip);
    }
  }
}
