import { buildEnvelope } from '@odin-ws/protocol';
import { describe, expect, it } from 'vitest';
import { LastValues } from './last-values.js';

const envelope = (channel: string, offset: number, data = '{}') => buildEnvelope({ channel, partition: 0, offset, ts: 1, prev: null, dataJson: data });
const latest = (channel: string, offset: number, data = '{}') => ({ envelope: envelope(channel, offset, data), partition: 0, offset });

describe('LastValues', () => {
  it('keeps the latest envelope per channel, marked as a snapshot that still parses as the same envelope', () => {
    const values = new LastValues(1 << 20);
    values.record('SOL.book', latest('SOL.book', 1, '{"bids":[[1,2]]}'));
    values.record('SOL.book', latest('SOL.book', 2, '{"bids":[[1,3]]}'));
    const snapshot = JSON.parse(values.snapshotOf('SOL.book')!);
    expect(snapshot).toEqual({ ...JSON.parse(envelope('SOL.book', 2, '{"bids":[[1,3]]}')), snapshot: true });
    expect(values.snapshotOf('ETH.book')).toBeUndefined();
    expect(values.stats().channels).toBe(1);
    expect(values.latest('SOL.book')).toEqual({ envelope: envelope('SOL.book', 2, '{"bids":[[1,3]]}'), partition: 0, offset: 2 });
  });

  it('forgets the channel updated longest ago past its byte budget, never the one just recorded, and says so', () => {
    let evicted = 0;
    const frame = envelope('A.book', 1, `"${'x'.repeat(300)}"`);
    // About 520 bytes a value: two fit, a third does not.
    const values = new LastValues(1200, () => evicted++);
    values.record('A.book', { envelope: frame, partition: 0, offset: 1 });
    values.record('B.book', { envelope: frame, partition: 0, offset: 1 });
    values.record('A.book', { envelope: frame, partition: 0, offset: 1 }); // A is now the most recent: B goes first
    values.record('C.book', { envelope: frame, partition: 0, offset: 1 });
    expect(values.snapshotOf('B.book')).toBeUndefined();
    expect(values.snapshotOf('A.book')).toBeDefined();
    expect(values.snapshotOf('C.book')).toBeDefined();
    expect(evicted).toBe(1);
    expect(values.stats().bytes).toBeLessThanOrEqual(1200);
    // One value larger than the whole budget is still kept: the latest state beats none.
    values.record('D.book', latest('D.book', 1, `"${'y'.repeat(2000)}"`));
    expect(values.snapshotOf('D.book')).toBeDefined();
    expect(values.stats().channels).toBe(1);
  });
});
