/**
 * Where each channel's last envelope sat in Kafka, for the next envelope's `prev` (envelope.ts in
 * @odin-ws/protocol): the offset of the channel's previous envelope on the same partition, or null
 * when this shard does not know it (the first it read of the channel, or the first on a partition the
 * channel moved to). Only envelopes that are published count: a record dropped (malformed, a book's
 * replay) would otherwise be named as a `prev` no client can ever receive. Every shard reads the same
 * records in the same order and drops the same ones, so every shard gives a record the same `prev`
 * once it has read the channel's previous envelope.
 *
 * Bounded: past `maxChannels` the channel first seen longest ago is forgotten (its next `prev` is
 * null, which a client takes without a check), so a producer inventing keys cannot grow this without
 * end. First seen, not published longest ago: keeping that order would re-insert the channel on every
 * record, and this runs once per record.
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
    const last = this.last.get(channel);
    if (last !== undefined) {
      last.partition = partition;
      last.offset = offset;
      return;
    }
    this.last.set(channel, { partition, offset });
    // A Map keeps insertion order: the first key is the channel first seen longest ago.
    if (this.last.size > this.maxChannels) this.last.delete(this.last.keys().next().value!);
  }

  get size(): number {
    return this.last.size;
  }
}
