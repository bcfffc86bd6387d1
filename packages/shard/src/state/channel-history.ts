import type { HistoryLimits } from '@odin-ws/config';
import type { RecoveryFailure, StreamPosition } from '@odin-ws/protocol';
import { RingQueue } from './ring-queue.js';

/**
 * Estimated bytes an entry costs besides its frame (the entry object, its slots in two queues).
 * Dead entries still waiting in the arrival queue keep costing this much until they leave it,
 * so --history-max-bytes bounds them too.
 */
const ENTRY_OVERHEAD_BYTES = 96;

interface HistoryEntry {
  /** undefined once evicted from its channel; the arrival queue drops it when it reaches the front. */
  log: ChannelLog | undefined;
  offset: number;
  frame: string;
  at: number;
}

/**
 * The recent records of one channel, in offset order, all from one partition.
 * Invariant: every record of this channel at an offset >= floor is in `entries` (records dropped as
 * invalid are dropped on every shard alike, so they are no gap).
 */
class ChannelLog {
  readonly entries = new RingQueue<HistoryEntry>();

  constructor(
    readonly channel: string,
    readonly topic: string,
    readonly partition: number,
    public floor: number,
  ) {}

  /** Frames of the records after `offset`, oldest first (binary search: entries are in offset order). */
  framesAfter(offset: number): string[] {
    let low = 0;
    let high = this.entries.length;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if (this.entries.at(middle).offset <= offset) low = middle + 1;
      else high = middle;
    }
    const frames: string[] = [];
    for (let i = low; i < this.entries.length; i++) frames.push(this.entries.at(i).frame);
    return frames;
  }
}

/** What the history needs to know about the Kafka side. */
export interface HistoryCoverage {
  /** Offset from which every record of the partition has been (or will be) handed over; undefined if not known yet. */
  coveredFrom(topic: string, partition: number): number | undefined;
  /** The offset after the last record of the partition this shard has read and published; undefined while not known. */
  endOf(topic: string, partition: number): number | undefined;
  /** The one topic a channel's records come from, or undefined when no or several topics could. */
  topicOf(channel: string): string | undefined;
}

export type RecoveryResult = { recovered: true; frames: string[] } | { recovered: false; reason: RecoveryFailure };

/**
 * Bounded recent history per channel, so a client that lost its connection can resume from the last
 * position it saw on any shard: every shard consumes the same partitions, so a (partition, offset)
 * names the same record everywhere.
 *
 * Bounds: --history-size records per channel, --history-max-age, and --history-max-bytes overall.
 * Age and bytes evict in arrival order across all channels (one arrival queue); the oldest live
 * arrival is always the front of its own channel's log, so that eviction is O(1) too.
 */
export class ChannelHistory {
  private readonly logs = new Map<string, ChannelLog>();
  private readonly arrivals = new RingQueue<HistoryEntry>();
  /**
   * Per "topic:partition", the highest floor of a channel log that emptied and was dropped. A channel
   * with no log may have had records up to there, so no position below it can be vouched for.
   */
  private readonly droppedFloors = new Map<string, number>();
  private bytes = 0;
  private liveEntries = 0;

  constructor(
    private readonly limits: HistoryLimits,
    private readonly coverage: HistoryCoverage,
  ) {}

  get enabled(): boolean {
    return this.limits.maxPerChannel > 0;
  }

  append(channel: string, topic: string, partition: number, offset: number, frame: string, now: number): void {
    let log = this.logs.get(channel);
    if (log !== undefined && (log.partition !== partition || log.topic !== topic)) {
      // The channel moved (partitions were added, or a producer changed its partitioner): offsets
      // on the old partition cannot be compared with the new one, so its history is worthless.
      while (log.entries.length > 0) this.evictFront(log);
      log = undefined;
    }
    if (log === undefined) {
      log = new ChannelLog(channel, topic, partition, this.floorOf(topic, partition) ?? offset);
      this.logs.set(channel, log);
    }
    const entry: HistoryEntry = { log, offset, frame, at: now };
    log.entries.push(entry);
    this.arrivals.push(entry);
    this.bytes += frame.length + ENTRY_OVERHEAD_BYTES;
    this.liveEntries++;
    if (log.entries.length > this.limits.maxPerChannel) this.evictFront(log);
    this.trim(now);
  }

  /**
   * What a client that last saw `position` on `channel` has missed, if this shard can tell:
   * recovered with the frames after it (possibly none), or why not.
   */
  recover(channel: string, position: StreamPosition, now: number): RecoveryResult {
    if (!this.enabled) return { recovered: false, reason: 'HISTORY_DISABLED' };
    if (this.isAhead(channel, position)) return { recovered: false, reason: 'POSITION_AHEAD' };
    this.trim(now);
    const log = this.logs.get(channel);
    if (log === undefined) {
      // No record of this channel is held: recovered (with nothing to replay) only if this shard has
      // seen every record of that partition since the client's position.
      const topic = this.coverage.topicOf(channel);
      const floor = topic === undefined ? undefined : this.floorOf(topic, position.partition);
      if (floor === undefined) return { recovered: false, reason: 'UNKNOWN_POSITION' };
      return position.offset + 1 >= floor ? { recovered: true, frames: [] } : { recovered: false, reason: 'POSITION_TOO_OLD' };
    }
    if (log.partition !== position.partition) return { recovered: false, reason: 'UNKNOWN_POSITION' };
    if (position.offset + 1 < log.floor) return { recovered: false, reason: 'POSITION_TOO_OLD' };
    return { recovered: true, frames: log.framesAfter(position.offset) };
  }

  /**
   * Whether a position is at or past the partition's end (high watermark) as this shard last saw
   * it: it names no record this shard knows of. Recovered from, it would make the client drop every
   * live record up to it as a duplicate, so recover() refuses it (POSITION_AHEAD). A resume waits
   * first for this shard to fetch what its client's last shard may already have had
   * (ahead-positions.ts), so by then it means a record that does not exist.
   */
  isAhead(channel: string, position: StreamPosition): boolean {
    const topic = this.coverage.topicOf(channel);
    const end = topic === undefined ? undefined : this.coverage.endOf(topic, position.partition);
    return end !== undefined && position.offset >= end;
  }

  /** Evicts what is past its age or over the byte budget; also run on a timer so quiet periods free memory. */
  trim(now: number): void {
    const oldestKept = now - this.limits.maxAgeMs;
    for (let entry = this.arrivals.peek(); entry !== undefined; entry = this.arrivals.peek()) {
      if (entry.log !== undefined) {
        if (entry.at >= oldestKept && this.bytes <= this.limits.maxBytes) return;
        this.evictFront(entry.log);
      }
      this.arrivals.shift();
      this.bytes -= ENTRY_OVERHEAD_BYTES;
    }
  }

  stats(): { channels: number; entries: number; bytes: number } {
    return { channels: this.logs.size, entries: this.liveEntries, bytes: this.bytes };
  }

  private evictFront(log: ChannelLog): void {
    const entry = log.entries.shift();
    if (entry === undefined) return;
    log.floor = entry.offset + 1;
    this.bytes -= entry.frame.length;
    this.liveEntries--;
    entry.log = undefined;
    entry.frame = '';
    if (log.entries.length === 0) {
      this.logs.delete(log.channel);
      const key = `${log.topic}:${log.partition}`;
      this.droppedFloors.set(key, Math.max(this.droppedFloors.get(key) ?? 0, log.floor));
    }
  }

  /** The offset from which this shard holds every record of any channel on that partition. */
  private floorOf(topic: string, partition: number): number | undefined {
    const covered = this.coverage.coveredFrom(topic, partition);
    if (covered === undefined) return undefined;
    return Math.max(covered, this.droppedFloors.get(`${topic}:${partition}`) ?? 0);
  }
}
