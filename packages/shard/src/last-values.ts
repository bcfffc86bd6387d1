import type { StateChannels } from '@odin-ws/config';
import { DATA_MESSAGE_TYPE, parseRateVariant, renameEnvelopeChannel } from '@odin-ws/protocol';

/** Estimated bytes a kept value costs besides its frame (the map entry and its object). */
const ENTRY_OVERHEAD_BYTES = 128;

const ENVELOPE_HEAD = `{"type":"${DATA_MESSAGE_TYPE}",`;
const SNAPSHOT_HEAD = `{"type":"${DATA_MESSAGE_TYPE}","snapshot":true,`;

/**
 * The latest envelope of every state channel (a ticker, a book: channels whose last record is the
 * whole current state), whatever its age, so a subscriber can be sent it at once instead of waiting
 * for the next update, which for a quiet instrument can be minutes away.
 *
 * A channel is a state channel when its event part (after the last `.`) is one of --state-channels.
 * Bounded by --state-max-bytes: past it, the channel updated longest ago is forgotten first (a Map
 * keeps insertion order, and each update re-inserts its channel at the end).
 */
export class LastValues {
  private readonly events: ReadonlySet<string>;
  private readonly values = new Map<string, string>();
  private bytes = 0;

  /** `onEvict`: a value was forgotten to stay within --state-max-bytes (a metric counts them). */
  constructor(
    private readonly limits: StateChannels,
    private readonly onEvict: () => void = () => undefined,
  ) {
    this.events = new Set(limits.events);
  }

  get enabled(): boolean {
    return this.events.size > 0;
  }

  /** Whether a channel, or the channel a rate variant (`SOL.book@1000ms`) conflates, carries state. */
  isStateChannel(name: string): boolean {
    // Per Kafka record (broadcaster.ts): a channel from a record key has no `@`, so no regex runs.
    const channel = name.includes('@') ? (parseRateVariant(name)?.base ?? name) : name;
    const dot = channel.lastIndexOf('.');
    return dot > 0 && this.events.has(channel.slice(dot + 1));
  }

  /** Keeps `frame` as the channel's latest value (a state channel's; the caller checks). */
  record(channel: string, frame: string): void {
    const previous = this.values.get(channel);
    if (previous !== undefined) {
      this.values.delete(channel);
      this.bytes -= costOf(channel, previous);
    }
    this.values.set(channel, frame);
    this.bytes += costOf(channel, frame);
    for (const [oldest, value] of this.values) {
      if (this.bytes <= this.limits.maxBytes || oldest === channel) break;
      this.values.delete(oldest);
      this.bytes -= costOf(oldest, value);
      this.onEvict();
    }
  }

  /**
   * The latest envelope under the name subscribed (a channel, or a rate variant of one: the envelope
   * then names the variant), or undefined when none is held.
   */
  latestAs(name: string): string | undefined {
    const base = parseRateVariant(name)?.base ?? name;
    const frame = this.values.get(base);
    return frame === undefined || base === name ? frame : renameEnvelopeChannel(frame, base, name);
  }

  /**
   * The latest envelope marked `"snapshot":true`, or undefined when none is held. Its `pos` is the
   * last record it includes, so live records after it continue with no gap and no duplicate.
   */
  snapshotOf(name: string): string | undefined {
    const frame = this.latestAs(name);
    return frame === undefined ? undefined : SNAPSHOT_HEAD + frame.slice(ENVELOPE_HEAD.length);
  }

  stats(): { channels: number; bytes: number } {
    return { channels: this.values.size, bytes: this.bytes };
  }
}

/** Estimated as the history estimates its records: a character a byte, plus the entry. */
function costOf(channel: string, frame: string): number {
  return ENTRY_OVERHEAD_BYTES + channel.length + frame.length;
}
