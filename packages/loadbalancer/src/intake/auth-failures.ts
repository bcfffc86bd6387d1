/**
 * Refused tokens per client address, as a token bucket: each refused token takes one, and an
 * address with none left is refused at once, without its next token's signature being checked.
 * Per-IP admission already bounds how many handshakes an address gets this far; this bounds how
 * many of them may be bad tokens, each of which costs a signature check (an RSA verify is ~50 µs,
 * the whole budget of a plain handshake). Inline arithmetic, no timers.
 */
export class AuthFailureLimiter {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();

  constructor(
    /** Refused tokens an address may send in a burst. */
    private readonly burst: number,
    /** How fast its bucket refills, per second. */
    private readonly perSecond: number,
    /** Addresses remembered at most: past it, those whose bucket has refilled are forgotten. */
    private readonly maxAddresses = 100_000,
  ) {}

  /** Whether this address may have a token checked now. */
  allows(address: string, now = Date.now()): boolean {
    const bucket = this.buckets.get(address);
    return bucket === undefined || this.refill(bucket, now) >= 1;
  }

  /** A token from this address was refused. */
  failed(address: string, now = Date.now()): void {
    const bucket = this.buckets.get(address) ?? { tokens: this.burst, at: now };
    bucket.tokens = Math.max(0, this.refill(bucket, now) - 1);
    // Re-inserted at the end: the map's order is then least recently refused first.
    this.buckets.delete(address);
    this.buckets.set(address, bucket);
    if (this.buckets.size > this.maxAddresses) this.forgetRefilled(now);
  }

  get addresses(): number {
    return this.buckets.size;
  }

  private refill(bucket: { tokens: number; at: number }, now: number): number {
    bucket.tokens = Math.min(this.burst, bucket.tokens + ((now - bucket.at) * this.perSecond) / 1000);
    bucket.at = now;
    return bucket.tokens;
  }

  /** Forgets refilled addresses, then, if that was not enough (a spray from many addresses), the least recent: forgetting only makes an address less limited. */
  private forgetRefilled(now: number): void {
    for (const [address, bucket] of this.buckets) if (this.refill(bucket, now) >= this.burst) this.buckets.delete(address);
    for (const address of this.buckets.keys()) {
      if (this.buckets.size <= this.maxAddresses) break;
      this.buckets.delete(address);
    }
  }
}
