/**
 * A budget per principal (a client address, a token's user) that refills over time: a token bucket
 * of `capacity`, refilled at `perSecond`, kept only while it is below full. A full bucket is the same
 * as none, so full ones are forgotten once more than `maxKeys` are held, and past that the least
 * recently charged: forgetting only ever gives a principal more, never less, and memory stays
 * bounded whatever the number of principals. Inline arithmetic, no timers.
 */
export class PrincipalBudgets {
  private readonly buckets = new Map<string, { left: number; at: number }>();

  constructor(
    private readonly capacity: number,
    private readonly perSecond: number,
    private readonly maxKeys = 100_000,
  ) {}

  /** What `key` may still spend now. */
  available(key: string, now: number): number {
    const bucket = this.buckets.get(key);
    return bucket === undefined ? this.capacity : this.refill(bucket, now);
  }

  /** Charges `amount` to `key` (its budget may go below zero: a charge is never refused here). */
  take(key: string, amount: number, now: number): void {
    const bucket = this.buckets.get(key) ?? { left: this.capacity, at: now };
    bucket.left = this.refill(bucket, now) - amount;
    // Re-inserted at the end: the map's order is least recently charged first.
    this.buckets.delete(key);
    this.buckets.set(key, bucket);
    if (this.buckets.size > this.maxKeys) this.forget(now);
  }

  /** Principals with a budget below full. */
  get keys(): number {
    return this.buckets.size;
  }

  private refill(bucket: { left: number; at: number }, now: number): number {
    bucket.left = Math.min(this.capacity, bucket.left + ((now - bucket.at) * this.perSecond) / 1000);
    bucket.at = now;
    return bucket.left;
  }

  private forget(now: number): void {
    for (const [key, bucket] of this.buckets) if (this.refill(bucket, now) >= this.capacity) this.buckets.delete(key);
    for (const key of this.buckets.keys()) {
      if (this.buckets.size <= this.maxKeys) break;
      this.buckets.delete(key);
    }
  }
}
