/** Where a partition starts for this source, and the high watermark it had then. */
export interface StartPosition {
  start: number;
  end: number;
}

/**
 * What one source has handed over, per "topic:partition": the last offset delivered (the
 * no-duplicate guard across rejoins), the offset from which nothing was skipped (coverage, which
 * recovery relies on), and the partitions still catching up to where they ended when the source
 * started. Plain bookkeeping with no Kafka client in it, so it is tested on its own.
 */
export class PartitionProgress {
  private readonly delivered = new Map<string, number>();
  private readonly coverage = new Map<string, number>();
  private readonly starts = new Map<string, number>();
  /** Partition -> the high watermark at start, until a batch reaches it. */
  private readonly catchUpTargets = new Map<string, number>();

  /** The positions the first join seeks to: coverage begins there, and catch-up runs to `end`. */
  planStart(positions: Map<string, StartPosition>): void {
    for (const [key, { start, end }] of positions) {
      this.starts.set(key, start);
      this.coverage.set(key, start);
      if (end > start) this.catchUpTargets.set(key, end);
    }
  }

  /**
   * Before anything of the partition was handed over, its start moves later (an incremental state
   * partition read from its shorter lookback): coverage and a rejoin's resume start there.
   */
  skipTo(key: string, offset: number): void {
    this.starts.set(key, offset);
    this.coverage.set(key, offset);
  }

  /** Where a partition should resume after a group rejoin; undefined leaves it to the client. */
  resumePosition(key: string): number | undefined {
    const delivered = this.delivered.get(key);
    return delivered === undefined ? this.starts.get(key) : delivered + 1;
  }

  lastDelivered(key: string): number {
    return this.delivered.get(key) ?? -1;
  }

  /** Records that the offsets first..last were handed over (they only grow per partition). */
  markDelivered(key: string, first: number, last: number): void {
    this.delivered.set(key, last);
    // A partition with no planned start (it appeared after start) is covered from its first record.
    if (!this.coverage.has(key)) this.coverage.set(key, first);
  }

  /** A batch up to `lastOffset` (delivered or filtered out) was consumed. */
  markConsumed(key: string, lastOffset: number): void {
    const target = this.catchUpTargets.get(key);
    if (target !== undefined && lastOffset >= target - 1) this.catchUpTargets.delete(key);
  }

  /** Stops waiting for the partitions still catching up; returns which they were. */
  abandonCatchUp(): string[] {
    const pending = [...this.catchUpTargets.keys()];
    this.catchUpTargets.clear();
    return pending;
  }

  coveredFrom(key: string): number | undefined {
    return this.coverage.get(key);
  }

  get catchingUp(): boolean {
    return this.catchUpTargets.size > 0;
  }
}

export function partitionKey(topic: string, partition: number): string {
  return `${topic}:${partition}`;
}
