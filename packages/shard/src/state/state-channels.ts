import type { StateTopicRead } from '@odin-ws/kafka';
import { BookRecordType, baseChannelOf } from '@odin-ws/protocol';

/** The event of the channels whose topics are read from --book-lookback (a maintained book's producer snapshots it that often). */
const BOOK_EVENT = 'book';

/**
 * What a state channel is: one whose latest record is the channel's whole current state (a ticker,
 * a book), so a subscriber can be sent that record at once and rate variants can conflate it. A
 * channel is one when its event part (after the last `.`) is one of --state-channels; a rate
 * variant (`SOL.book@1000ms`) is one when the channel it conflates is. The one place this is
 * decided: the broadcaster keeps last values by it, the subscribe plan grants variants and forms by
 * it, and the Kafka source reads state topics from their lookback by it.
 */
export class StateChannels {
  private readonly events: ReadonlySet<string>;

  constructor(events: readonly string[]) {
    this.events = new Set(events);
  }

  /** Whether any channel can be a state channel (--state-channels is not empty). */
  get enabled(): boolean {
    return this.events.size > 0;
  }

  /** Whether a channel, or the channel a rate variant conflates, carries state. */
  has(name: string): boolean {
    // Per Kafka record (broadcaster.ts): a channel from a record key has no `@`, so no regex runs.
    const channel = name.includes('@') ? baseChannelOf(name) : name;
    const dot = channel.lastIndexOf('.');
    return dot > 0 && this.events.has(channel.slice(dot + 1));
  }

  /** Whether a topic's event (channel-mapper.ts) makes state channels: the Kafka source reads those from their lookback. */
  hasEvent(event: string): boolean {
    return this.events.has(event);
  }

  /**
   * How a fresh shard reads each topic of a state channel: from --state-lookback back (or its first
   * record when compacted), so it holds every latest value; a partition of a `book` topic whose first
   * record read is a maintained book's (BOOK_SNAPSHOT / BOOK_UPDATE) from --book-lookback back instead,
   * since its producer snapshots each book that often and an hour of a busy incremental feed would
   * keep a fresh shard catching up for minutes. A topic of no state channel is not in the map.
   */
  lookbacks(
    topics: readonly string[],
    eventOf: (topic: string) => string,
    { lookbackMs, bookLookbackMs }: { lookbackMs: number; bookLookbackMs: number },
  ): Map<string, StateTopicRead> {
    const lookbacks = new Map<string, StateTopicRead>();
    for (const topic of topics) {
      const event = eventOf(topic);
      if (!this.hasEvent(event)) continue;
      const incremental = event === BOOK_EVENT ? { lookbackMs: bookLookbackMs, isIncremental: isBookRecordValue } : undefined;
      lookbacks.set(topic, { lookbackMs, ...(incremental ? { incremental } : {}) });
    }
    return lookbacks;
  }
}

/** Whether a Kafka record's value is a maintained book's record, by its type alone (asked once per partition). */
export function isBookRecordValue(value: Buffer | null): boolean {
  if (value === null) return false;
  try {
    const { type } = JSON.parse(value.toString('utf8')) as { type?: unknown };
    return type === BookRecordType.SNAPSHOT || type === BookRecordType.UPDATE;
  } catch {
    return false;
  }
}
