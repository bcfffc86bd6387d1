import { describe, expect, it } from 'vitest';
import { PartitionProgress, partitionKey } from './partition-progress.js';

describe('PartitionProgress', () => {
  const key = partitionKey('odin.trades', 3);

  it('covers a planned partition from its start and catches up to the end it had then', () => {
    const progress = new PartitionProgress();
    progress.planStart(new Map([[key, { start: 100, end: 150 }]]));
    expect(progress.coveredFrom(key)).toBe(100);
    expect(progress.resumePosition(key)).toBe(100);
    expect(progress.catchingUp).toBe(true);
    progress.markDelivered(key, 100, 120);
    progress.markConsumed(key, 120);
    expect(progress.catchingUp).toBe(true);
    progress.markConsumed(key, 149);
    expect(progress.catchingUp).toBe(false);
    expect(progress.coveredFrom(key)).toBe(100);
    expect(progress.resumePosition(key)).toBe(121);
  });

  it('can stop waiting for a partition that never reaches its target', () => {
    const progress = new PartitionProgress();
    progress.planStart(new Map([[key, { start: 100, end: 150 }]]));
    expect(progress.abandonCatchUp()).toEqual([key]);
    expect(progress.catchingUp).toBe(false);
    expect(progress.coveredFrom(key)).toBe(100);
  });

  it('has nothing to catch up on an idle partition', () => {
    const progress = new PartitionProgress();
    progress.planStart(new Map([[key, { start: 7, end: 7 }]]));
    expect(progress.catchingUp).toBe(false);
  });

  it('covers an unplanned partition from the first record it hands over', () => {
    const progress = new PartitionProgress();
    expect(progress.coveredFrom(key)).toBeUndefined();
    expect(progress.resumePosition(key)).toBeUndefined();
    expect(progress.lastDelivered(key)).toBe(-1);
    progress.markDelivered(key, 42, 42);
    progress.markDelivered(key, 43, 45);
    expect(progress.coveredFrom(key)).toBe(42);
    expect(progress.lastDelivered(key)).toBe(45);
  });
});
