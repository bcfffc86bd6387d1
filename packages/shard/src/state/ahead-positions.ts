/**
 * Resume positions beyond the end of a partition as this shard last saw it. Two things look alike
 * there: the client's last shard fetched a moment before this one (the records exist and arrive
 * within one fetch), or the position names no record at all (a re-created topic, a failover to
 * another Kafka cluster, whose offsets start again from 0). Answering the second `recovered: true`
 * would make a client drop every live record up to its old offset as a "duplicate"; no margin on
 * the offset tells the two apart, time does: a resume whose positions are ahead waits until this
 * shard's fetches pass them or CONFIRM_MS (more than two fetch waits) goes by, then is answered.
 *
 * One timer serves every waiting resume, and runs only while one waits.
 */
export class AheadPositions {
  private readonly waiting = new Set<{ reached: () => boolean; deadline: number; resolve: () => void }>();
  private timer: NodeJS.Timeout | undefined;

  constructor(
    readonly confirmMs: number,
    private readonly checkEveryMs = 50,
  ) {}

  /** Resolves once `reached()` holds, or after confirmMs. */
  wait(reached: () => boolean, now = Date.now()): Promise<void> {
    return new Promise((resolve) => {
      this.waiting.add({ reached, deadline: now + this.confirmMs, resolve });
      this.timer ??= setInterval(() => this.check(Date.now()), this.checkEveryMs);
    });
  }

  get size(): number {
    return this.waiting.size;
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
    for (const waiter of this.waiting) waiter.resolve();
    this.waiting.clear();
  }

  private check(now: number): void {
    for (const waiter of this.waiting) {
      if (!waiter.reached() && now < waiter.deadline) continue;
      this.waiting.delete(waiter);
      waiter.resolve();
    }
    if (this.waiting.size === 0) {
      clearInterval(this.timer);
      this.timer = undefined;
    }
  }
}
