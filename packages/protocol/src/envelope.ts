/**
 * The data envelope: one per Kafka record, serialized once and published to every subscriber.
 *
 *   {"type":"price:update","channel":"BTC.trade","pos":{"partition":3,"offset":1042},"ts":1732400000123,"prev":1037,"data":{...}}
 *
 * `type`, `ts` and `data` stay where the seed system's clients read them; `channel`, `pos` and
 * `prev` are new. `pos` is the record's Kafka partition and offset, so every shard gives the same
 * record the same position and a client can resume or drop duplicates. `prev` is the offset of the
 * channel's previous envelope on the same partition (null when not known): a partition carries many
 * channels, so offsets skip within one, and `prev` is what lets a client see that it missed nothing.
 * `ts` is the producer's timestamp.
 */
export const DATA_MESSAGE_TYPE = 'price:update';

export interface EnvelopeFields {
  channel: string;
  partition: number;
  offset: number;
  /** Producer timestamp, ms since the epoch. */
  ts: number;
  /** The offset of the channel's previous envelope on the same partition; null when not known. */
  prev: number | null;
  /** The record value: text already checked to be one JSON value. Embedded as is, never re-serialized. */
  dataJson: string;
  /** A maintained book's checksum after this record (book.ts), before `data`; absent on every other channel. */
  checksum?: number;
}

export function buildEnvelope(fields: EnvelopeFields): string {
  // String concatenation rather than JSON.stringify: the payload is embedded byte for byte and the
  // channel is known to need no escaping (see channel.ts), so this is the cheapest correct form.
  return (
    `{"type":"${DATA_MESSAGE_TYPE}","channel":"${fields.channel}",` +
    `"pos":{"partition":${fields.partition},"offset":${fields.offset}},` +
    `"ts":${fields.ts},"prev":${fields.prev},${fields.checksum === undefined ? '' : `"checksum":${fields.checksum},`}"data":${fields.dataJson}}`
  );
}

/**
 * A delta envelope: the record's `data` as a Fossil delta from the data of the channel's previous
 * record (at `base`, same partition), for subscriptions that asked for `"delta":"fossil"`. The
 * delta carries the target's checksum, so a client that applies it to the wrong base finds out.
 *
 *   {"type":"price:update","channel":"SOL.book","pos":{"partition":0,"offset":31},"ts":…,"delta":{"base":30,"fossil":"…"}}
 */
export function buildDeltaEnvelope(fields: Omit<EnvelopeFields, 'dataJson'> & { base: number; fossil: string }): string {
  return (
    `{"type":"${DATA_MESSAGE_TYPE}","channel":"${fields.channel}",` +
    `"pos":{"partition":${fields.partition},"offset":${fields.offset}},` +
    `"ts":${fields.ts},"prev":${fields.prev},"delta":{"base":${fields.base},"fossil":${JSON.stringify(fields.fossil)}}}`
  );
}

/**
 * The `data` of a full envelope as the exact text it carries: the base a delta applies to. `data`
 * is always the last field (buildEnvelope), and nothing before it can contain `,"data":` (channel
 * names have no quotes; the rest are numbers and `true`).
 */
export function envelopeDataJson(frame: string): string | undefined {
  const at = frame.indexOf(',"data":');
  return at === -1 ? undefined : frame.slice(at + ',"data":'.length, -1);
}

/**
 * The same envelope under another channel name (a rate variant's, `BTC.book@1000ms`): the channel
 * field is near the start and its value needs no escaping, so one replace of the first occurrence.
 */
export function renameEnvelopeChannel(frame: string, channel: string, renamed: string): string {
  return frame.replace(`"channel":"${channel}"`, `"channel":"${renamed}"`);
}

const PREV_FIELD = ',"prev":';

/**
 * The same envelope with another `prev` (a rate variant's message follows the variant's previous
 * message, not the channel's previous record). `prev` comes before `data` and nothing before it can
 * contain `,"prev":` (channel names have no quotes), so the first occurrence is the field.
 */
export function setEnvelopePrev(frame: string, prev: number | null): string {
  const at = frame.indexOf(PREV_FIELD);
  if (at === -1) return frame;
  const valueAt = at + PREV_FIELD.length;
  return `${frame.slice(0, valueAt)}${prev}${frame.slice(frame.indexOf(',', valueAt))}`;
}

const ENVELOPE_HEAD = `{"type":"${DATA_MESSAGE_TYPE}",`;
const SNAPSHOT_HEAD = `{"type":"${DATA_MESSAGE_TYPE}","snapshot":true,`;

/**
 * The same envelope marked `"snapshot":true`: the channel's latest state sent right after a
 * subscribe rather than a new record. Every envelope starts with the head buildEnvelope writes, so
 * the mark goes in right after `type`, where seed clients' parsers never look.
 */
export function markSnapshot(envelope: string): string {
  return SNAPSHOT_HEAD + envelope.slice(ENVELOPE_HEAD.length);
}

/**
 * An envelope as received, its snapshot mark taken out: the exact text the shard holds as the
 * channel's envelope, which the next deflate delta is compressed against (docs/protocol.md).
 */
export function unmarkSnapshot(envelope: string): string {
  return envelope.startsWith(SNAPSHOT_HEAD) ? ENVELOPE_HEAD + envelope.slice(SNAPSHOT_HEAD.length) : envelope;
}

export interface Envelope {
  type: typeof DATA_MESSAGE_TYPE;
  /** Present on a state channel's latest envelope sent right after a subscribe (not a new record). */
  snapshot?: true;
  channel: string;
  pos: { partition: number; offset: number };
  ts: number;
  /** The offset of the channel's previous envelope on the same partition; null when not known (absent from older servers). */
  prev?: number | null;
  /** A maintained book's CRC32 of its top 10 levels a side after this record (docs/market-data.md). */
  checksum?: number;
  /** Absent on a delta envelope, which carries `delta` instead. */
  data?: unknown;
  delta?: { base: number; fossil: string };
}
