/**
 * How many connections one principal holds open: a client address at the load balancer
 * (--max-connections-per-ip), a token's `sub` at a shard (--max-connections-per-user). Without a
 * cap one address, or one leaked token, could fill every shard of the fleet in seconds (admission
 * rates bound how fast, not how many) and have the autoscaler buy machines for it. 0: no cap.
 */
export class ConnectionCap {
  private readonly counts = new Map<string, number>();

  constructor(private readonly limit: number) {}

  /** Takes a place for `key`; false when it already holds `limit` (nothing is taken then). */
  take(key: string): boolean {
    if (this.limit === 0) return true;
    const held = this.counts.get(key) ?? 0;
    if (held >= this.limit) return false;
    this.counts.set(key, held + 1);
    return true;
  }

  release(key: string): void {
    if (this.limit === 0) return;
    const left = (this.counts.get(key) ?? 1) - 1;
    if (left > 0) this.counts.set(key, left);
    else this.counts.delete(key);
  }

  /** Keys holding at least one place. */
  get keys(): number {
    return this.counts.size;
  }
}

/** One worker's share of a cap that holds for a whole multi-process tier (0 stays 0: no cap). */
export function perWorkerCap(cap: number, workers: number): number {
  return cap === 0 ? 0 : Math.max(1, Math.ceil(cap / workers));
}
