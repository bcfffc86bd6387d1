import { describe, expect, it } from 'vitest';
import { ChannelHistory, type HistoryCoverage } from './channel-history.js';

const TOPIC = 'odin.trades';
const limits = { maxPerChannel: 3, maxAgeMs: 60_000, maxBytes: 1024 * 1024, maxReplayBytes: 1024 * 1024 };

/** Partition 0 covered from offset 100, as a source that started there would report. */
function coverage(coveredFrom = 100): HistoryCoverage {
  return { coveredFrom: () => coveredFrom, endOf: () => undefined, topicOf: (channel) => (channel.endsWith('.trade') ? TOPIC : undefined) };
}

function frame(offset: number): string {
  return `f${offset}`;
}

function appendAll(history: ChannelHistory, channel: string, offsets: number[], now = 0, partition = 0): void {
  for (const offset of offsets) history.append(channel, TOPIC, partition, offset, frame(offset), now);
}

describe('ChannelHistory', () => {
  it('replays exactly the records after the position, in offset order', () => {
    const history = new ChannelHistory(limits, coverage());
    appendAll(history, 'BTC.trade', [101, 104, 107]);
    expect(history.recover('BTC.trade', { partition: 0, offset: 104 }, 0)).toEqual({ recovered: true, frames: ['f107'] });
    expect(history.recover('BTC.trade', { partition: 0, offset: 102 }, 0)).toEqual({ recovered: true, frames: ['f104', 'f107'] });
    expect(history.recover('BTC.trade', { partition: 0, offset: 107 }, 0)).toEqual({ recovered: true, frames: [] });
  });

  it('vouches for positions back to where the shard started reading the partition', () => {
    const history = new ChannelHistory(limits, coverage(100));
    appendAll(history, 'BTC.trade', [105]);
    expect(history.recover('BTC.trade', { partition: 0, offset: 99 }, 0)).toEqual({ recovered: true, frames: ['f105'] });
    expect(history.recover('BTC.trade', { partition: 0, offset: 98 }, 0)).toEqual({ recovered: false, reason: 'POSITION_TOO_OLD' });
  });

  it('says POSITION_TOO_OLD once the records after the position were evicted by count', () => {
    const history = new ChannelHistory(limits, coverage());
    appendAll(history, 'BTC.trade', [101, 102, 103, 104]);
    expect(history.stats().entries).toBe(3);
    expect(history.recover('BTC.trade', { partition: 0, offset: 100 }, 0)).toEqual({ recovered: false, reason: 'POSITION_TOO_OLD' });
    expect(history.recover('BTC.trade', { partition: 0, offset: 101 }, 0)).toEqual({ recovered: true, frames: ['f102', 'f103', 'f104'] });
  });

  it('evicts by age, and a quiet channel whose records all aged out cannot be vouched for below them', () => {
    const history = new ChannelHistory(limits, coverage());
    appendAll(history, 'BTC.trade', [101, 102], 0);
    appendAll(history, 'ETH.trade', [103], 30_000);
    history.trim(61_000);
    expect(history.stats()).toMatchObject({ channels: 1, entries: 1 });
    expect(history.recover('BTC.trade', { partition: 0, offset: 101 }, 61_000)).toEqual({ recovered: false, reason: 'POSITION_TOO_OLD' });
    expect(history.recover('BTC.trade', { partition: 0, offset: 102 }, 61_000)).toEqual({ recovered: true, frames: [] });
    expect(history.recover('ETH.trade', { partition: 0, offset: 102 }, 61_000)).toEqual({ recovered: true, frames: ['f103'] });
  });

  it('keeps the byte budget by evicting the oldest records of any channel', () => {
    const history = new ChannelHistory({ ...limits, maxPerChannel: 1000, maxBytes: 400 }, coverage());
    appendAll(history, 'BTC.trade', [101, 102, 103, 104, 105, 106]);
    const { bytes, entries } = history.stats();
    // Each entry costs its frame (4 bytes) plus the 96-byte estimate: 400 bytes hold the newest 4.
    expect(bytes).toBe(400);
    expect(entries).toBe(4);
    expect(history.recover('BTC.trade', { partition: 0, offset: 100 }, 0)).toEqual({ recovered: false, reason: 'POSITION_TOO_OLD' });
    const recovered = history.recover('BTC.trade', { partition: 0, offset: 105 }, 0);
    expect(recovered).toEqual({ recovered: true, frames: ['f106'] });
  });

  it('counts dead entries until they leave the arrival queue, and frees everything with time', () => {
    const history = new ChannelHistory({ ...limits, maxPerChannel: 1 }, coverage());
    appendAll(history, 'BTC.trade', [101, 102, 103], 0);
    expect(history.stats().entries).toBe(1);
    history.trim(120_000);
    expect(history.stats()).toEqual({ channels: 0, entries: 0, bytes: 0 });
  });

  it('recovers a channel with no records since the position, if the partition is covered from there', () => {
    const history = new ChannelHistory(limits, coverage(100));
    expect(history.recover('SOL.trade', { partition: 4, offset: 150 }, 0)).toEqual({ recovered: true, frames: [] });
    expect(history.recover('SOL.trade', { partition: 4, offset: 50 }, 0)).toEqual({ recovered: false, reason: 'POSITION_TOO_OLD' });
  });

  it('says UNKNOWN_POSITION for another partition, an unknown topic, or a partition not yet covered', () => {
    const history = new ChannelHistory(limits, coverage());
    appendAll(history, 'BTC.trade', [101]);
    expect(history.recover('BTC.trade', { partition: 5, offset: 101 }, 0)).toEqual({ recovered: false, reason: 'UNKNOWN_POSITION' });
    expect(history.recover('BTC.other', { partition: 0, offset: 101 }, 0)).toEqual({ recovered: false, reason: 'UNKNOWN_POSITION' });
    const uncovered = new ChannelHistory(limits, { ...coverage(), coveredFrom: () => undefined });
    expect(uncovered.recover('BTC.trade', { partition: 0, offset: 101 }, 0)).toEqual({ recovered: false, reason: 'UNKNOWN_POSITION' });
  });

  it('starts over when a channel moves to another partition', () => {
    const history = new ChannelHistory(limits, coverage(100));
    appendAll(history, 'BTC.trade', [101, 102], 0, 0);
    appendAll(history, 'BTC.trade', [200], 0, 1);
    expect(history.recover('BTC.trade', { partition: 0, offset: 102 }, 0)).toEqual({ recovered: false, reason: 'UNKNOWN_POSITION' });
    expect(history.recover('BTC.trade', { partition: 1, offset: 150 }, 0)).toEqual({ recovered: true, frames: ['f200'] });
    expect(history.stats().entries).toBe(1);
  });

  it('is off with a size of 0', () => {
    const history = new ChannelHistory({ ...limits, maxPerChannel: 0 }, coverage());
    expect(history.enabled).toBe(false);
    expect(history.recover('BTC.trade', { partition: 0, offset: 1 }, 0)).toEqual({ recovered: false, reason: 'HISTORY_DISABLED' });
  });

  it("refuses a position at or past the partition's end (POSITION_AHEAD): it names no record that exists", () => {
    const history = new ChannelHistory(limits, { ...coverage(), endOf: () => 107 });
    appendAll(history, 'BTC.trade', [101, 102, 103, 104, 105, 106]);
    // A topic re-created, another cluster: the client's position names no record that exists.
    expect(history.recover('BTC.trade', { partition: 0, offset: 5_000_000 }, 0)).toEqual({ recovered: false, reason: 'POSITION_AHEAD' });
    // Another cluster whose offsets are only a little lower than the old one's: no margin hides it.
    expect(history.recover('BTC.trade', { partition: 0, offset: 107 }, 0)).toEqual({ recovered: false, reason: 'POSITION_AHEAD' });
    expect(history.isAhead('BTC.trade', { partition: 0, offset: 107 })).toBe(true);
    // The last record there is: nothing to replay.
    expect(history.recover('BTC.trade', { partition: 0, offset: 106 }, 0)).toEqual({ recovered: true, frames: [] });
    expect(history.isAhead('BTC.trade', { partition: 0, offset: 106 })).toBe(false);
  });
});
