/**
 * The replay allowance of each user (a token's `sub`) on this shard, over all its connections: the
 * same --max-replay-bytes per second as one connection has. Without it, one user's hundred
 * connections could each loop subscribe/unsubscribe with `snapshot: true` and pull a hundred times
 * that in snapshots. A bucket per user, refilled by inline arithmetic, no timers; a full bucket is
 * the same as none, so full ones are forgotten once there are many.
 */
export class SubjectReplayBudgets {
  private readonly buckets = new Map<string, { bytes: number; at: number }>();

  constructor(
    private readonly perSecond: number,
    /** Users remembered before full buckets are forgotten. */
    private readonly sweepAbove = 10_000,
  ) {}

  /** What the user may still be sent now; unlimited for a connection with no subject (its own bucket still applies). */
  available(subject: string | undefined, now: number): number {
    if (subject === undefined) return Number.POSITIVE_INFINITY;
    const bucket = this.buckets.get(subject);
    return bucket === undefined ? this.perSecond : this.refill(bucket, now);
  }

  take(subject: string | undefined, bytes: number, now: number): void {
    if (subject === undefined || bytes === 0) return;
    const bucket = this.buckets.get(subject) ?? { bytes: this.perSecond, at: now };
    bucket.bytes = this.refill(bucket, now) - bytes;
    this.buckets.set(subject, bucket);
    if (this.buckets.size > this.sweepAbove) this.forgetFull(now);
  }

  get users(): number {
    return this.buckets.size;
  }

  private refill(bucket: { bytes: number; at: number }, now: number): number {
    bucket.bytes = Math.min(this.perSecond, bucket.bytes + ((now - bucket.at) * this.perSecond) / 1000);
    bucket.at = now;
    return bucket.bytes;
  }

  private forgetFull(now: number): void {
    for (const [subject, bucket] of this.buckets) if (this.refill(bucket, now) >= this.perSecond) this.buckets.delete(subject);
  }
}
