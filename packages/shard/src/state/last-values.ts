import { baseChannelOf, markSnapshot, parseRateVariant, renameEnvelopeChannel, setEnvelopePrev } from '@odin-ws/protocol';
import type { BookVariants } from './book-variants.js';
import type { OrderBooks } from './order-books.js';

/** Estimated bytes a kept value costs besides its frame (the map entry and its object). */
const ENTRY_OVERHEAD_BYTES = 128;

/** A channel's latest envelope and the Kafka position it carries, kept beside it so nothing reads it back out of the text. */
export interface LatestValue {
  envelope: string;
  partition: number;
  offset: number;
}

/**
 * The latest envelope of every state channel (a ticker, a book: channels whose last record is the
 * whole current state), whatever its age, so a subscriber can be sent it at once instead of waiting
 * for the next update, which for a quiet instrument can be minutes away.
 *
 * Which channels are state channels is state-channels.ts's to say; the broadcaster records only those.
 * A maintained book's latest state is the book itself (order-books.ts), not its last record, which is
 * only the last change: for those channels the book answers.
 * Bounded by --state-max-bytes: past it, the channel updated longest ago is forgotten first (a Map
 * keeps insertion order, and each update re-inserts its channel at the end).
 */
export class LastValues {
  private readonly values = new Map<string, LatestValue>();
  /**
   * Per rate variant of a channel that is not a book: its last message, so the next one's `prev`
   * names it and a new subscriber starts from it (what the variant's other subscribers hold).
   * Forgotten when the variant has no subscriber left (conflator.ts).
   */
  private readonly variantsSent = new Map<string, LatestValue>();
  private bytes = 0;

  /** `maxBytes`: --state-max-bytes; `onEvict`: a value was forgotten to stay within it (a metric counts them). */
  constructor(
    private readonly maxBytes: number,
    private readonly onEvict: () => void = () => undefined,
    private readonly books?: { books: OrderBooks; variants: BookVariants },
  ) {}

  /** Keeps `value` as the channel's latest (a state channel's; the caller checks). */
  record(channel: string, value: LatestValue): void {
    const previous = this.values.get(channel);
    if (previous !== undefined) {
      this.values.delete(channel);
      this.bytes -= costOf(channel, previous.envelope);
    }
    this.values.set(channel, value);
    this.bytes += costOf(channel, value.envelope);
    for (const [oldest, kept] of this.values) {
      if (this.bytes <= this.maxBytes || oldest === channel) break;
      this.values.delete(oldest);
      this.bytes -= costOf(oldest, kept.envelope);
      this.onEvict();
    }
  }

  /** The channel's latest envelope with its position, or undefined when none is held. */
  latest(channel: string): LatestValue | undefined {
    return this.values.get(channel);
  }

  /**
   * The latest envelope under the name subscribed (a channel, or a rate variant of one: the envelope
   * then names the variant), or undefined when none is held.
   */
  latestAs(name: string): string | undefined {
    const base = baseChannelOf(name);
    if (this.books?.books.has(base)) return this.books.books.latestAs(base, name);
    const frame = this.values.get(base)?.envelope;
    return frame === undefined || base === name ? frame : renameEnvelopeChannel(frame, base, name);
  }

  /**
   * The latest envelope marked `"snapshot":true`, or undefined when none is held. Its `pos` is the
   * last record it includes, so live records after it continue with no gap and no duplicate.
   */
  snapshotOf(name: string): string | undefined {
    const variant = parseRateVariant(name);
    const base = variant?.base ?? name;
    if (this.books?.books.has(base)) {
      // A book's variant starts from the book as that variant's last message left it (book-variants.ts).
      return variant ? this.books.variants.snapshotOf(base, variant.intervalMs, name) : this.books.books.snapshotOf(base, name);
    }
    // A variant's subscriber starts from the variant's last message (its next one follows it), or
    // when none was sent yet, from the latest value, which then counts as the last message.
    const frame = variant ? (this.variantsSent.get(name)?.envelope ?? this.variantMessage(name)) : this.latestAs(name);
    return frame === undefined ? undefined : markSnapshot(frame);
  }

  /**
   * What a rate variant (`BTC.ticker@1000ms`) publishes at its tick: the channel's latest value under
   * the variant's name; for a maintained book, the merged update since its last message (book-variants.ts).
   */
  variantMessage(variant: string): string | undefined {
    const parsed = parseRateVariant(variant);
    if (parsed && this.books?.books.has(parsed.base)) return this.books.variants.next(parsed.base, parsed.intervalMs, variant);
    const base = parsed?.base ?? variant;
    const latest = this.values.get(base);
    if (latest === undefined) return undefined;
    const sent = this.variantsSent.get(variant);
    if (sent !== undefined && sent.partition === latest.partition && sent.offset === latest.offset) return undefined; // sent already
    const prev = sent?.partition === latest.partition ? sent.offset : null;
    const envelope = setEnvelopePrev(renameEnvelopeChannel(latest.envelope, base, variant), prev);
    this.variantsSent.set(variant, { envelope, partition: latest.partition, offset: latest.offset });
    return envelope;
  }

  /** Nobody here holds the variant any more: its last message need not be kept. */
  forgetVariant(variant: string): void {
    this.variantsSent.delete(variant);
  }

  stats(): { channels: number; bytes: number } {
    return { channels: this.values.size, bytes: this.bytes };
  }
}

/** Estimated as the history estimates its records: a character a byte, plus the entry. */
function costOf(channel: string, frame: string): number {
  return ENTRY_OVERHEAD_BYTES + channel.length + frame.length;
}
