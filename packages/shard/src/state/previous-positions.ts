/**
 * Where each channel's last envelope sat in Kafka, for the next envelope's `prev` (envelope.ts in
 * @odin-ws/protocol): the offset of the channel's previous envelope on the same partition, or null
 * when this shard does not know it (the first it read of the channel, or the first on a partition the
 * channel moved to). Only envelopes that are published count: a record dropped (malformed, a book's
 * replay) would otherwise be named as a `prev` no client can ever receive. Every shard reads the same
 * records in the same order and drops the same ones, so every shard gives a record the same `prev`
 * once it has read the channel's previous envelope.
 *
 * Bounded: past `maxChannels` the channel published longest ago is forgotten (its next `prev` is
 * null), so a producer inventing keys cannot grow this without end.
 */
/** Channels whose last position a shard keeps (about 150 bytes each): far above the instruments of any venue. */
export const MAX_TRACKED_CHANNELS = 262_144;

export class PreviousPositions {
  private readonly last = new Map<string, { partition: number; offset: number }>();

  constructor(private readonly maxChannels: number) {}

  /** The `prev` of the next envelope of `channel` at `partition`. */
  prevOf(channel: string, partition: number): number | null {
    const last = this.last.get(channel);
    return last !== undefined && last.partition === partition ? last.offset : null;
  }

  /** An envelope of `channel` at this position was published: the next one follows it. */
  published(channel: string, partition: number, offset: number): void {
    // Delete then set: Map keeps insertion order, so the first key is the channel published longest ago.
    this.last.delete(channel);
    this.last.set(channel, { partition, offset });
    if (this.last.size > this.maxChannels) this.last.delete(this.last.keys().next().value!);
  }

  get size(): number {
    return this.last.size;
  }
}
