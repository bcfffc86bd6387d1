/**
 * Handshake outcomes of one shard over the last `windowMs`, in one-second buckets: the
 * "recent failure rate" of the health score. Constant memory, no per-handshake allocation.
 */
export class FailureWindow {
  private readonly attempts: number[];
  private readonly failures: number[];
  private readonly bucketStamps: number[];

  constructor(private readonly windowS: number) {
    this.attempts = new Array<number>(windowS).fill(0);
    this.failures = new Array<number>(windowS).fill(0);
    this.bucketStamps = new Array<number>(windowS).fill(-1);
  }

  record(failed: boolean, nowMs = Date.now()): void {
    const index = this.bucket(nowMs);
    this.attempts[index]!++;
    if (failed) this.failures[index]!++;
  }

  /** Failures in the window (the `ws_shard_recent_failures` gauge). */
  failureCount(nowMs = Date.now()): number {
    return this.sum(this.failures, nowMs);
  }

  /** Failed / attempted in the window; 0 with no attempts. */
  failureRate(nowMs = Date.now()): number {
    const attempts = this.sum(this.attempts, nowMs);
    return attempts === 0 ? 0 : this.sum(this.failures, nowMs) / attempts;
  }

  private bucket(nowMs: number): number {
    const second = Math.floor(nowMs / 1000);
    const index = second % this.windowS;
    if (this.bucketStamps[index] !== second) {
      this.bucketStamps[index] = second;
      this.attempts[index] = 0;
      this.failures[index] = 0;
    }
    return index;
  }

  private sum(values: number[], nowMs: number): number {
    const oldest = Math.floor(nowMs / 1000) - this.windowS + 1;
    let total = 0;
    for (let i = 0; i < this.windowS; i++) if (this.bucketStamps[i]! >= oldest) total += values[i]!;
    return total;
  }
}
