import { baseChannelOf } from '@odin-ws/protocol';

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
}
