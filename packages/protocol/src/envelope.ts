/**
 * The data envelope: one per Kafka record, serialized once and published to every subscriber.
 *
 *   {"type":"price:update","channel":"BTC.trade","pos":{"partition":3,"offset":1042},"ts":1732400000123,"data":{...}}
 *
 * `type`, `ts` and `data` stay where the seed system's clients read them; `channel` and `pos`
 * are new. `pos` is the record's Kafka partition and offset, so every shard gives the same record
 * the same position and a client can resume or drop duplicates. `ts` is the producer's timestamp.
 */
export const DATA_MESSAGE_TYPE = 'price:update';

export interface EnvelopeFields {
  channel: string;
  partition: number;
  offset: number;
  /** Producer timestamp, ms since the epoch. */
  ts: number;
  /** The record value: text already checked to be one JSON value. Embedded as is, never re-serialized. */
  dataJson: string;
}

export function buildEnvelope(fields: EnvelopeFields): string {
  // String concatenation rather than JSON.stringify: the payload is embedded byte for byte and the
  // channel is known to need no escaping (see channel.ts), so this is the cheapest correct form.
  return (
    `{"type":"${DATA_MESSAGE_TYPE}","channel":"${fields.channel}",` +
    `"pos":{"partition":${fields.partition},"offset":${fields.offset}},` +
    `"ts":${fields.ts},"data":${fields.dataJson}}`
  );
}

/**
 * The same envelope under another channel name (a rate variant's, `BTC.book@1000ms`): the channel
 * field is near the start and its value needs no escaping, so one replace of the first occurrence.
 */
export function renameEnvelopeChannel(frame: string, channel: string, renamed: string): string {
  return frame.replace(`"channel":"${channel}"`, `"channel":"${renamed}"`);
}

export interface Envelope {
  type: typeof DATA_MESSAGE_TYPE;
  /** Present on a state channel's latest envelope sent right after a subscribe (not a new record). */
  snapshot?: true;
  channel: string;
  pos: { partition: number; offset: number };
  ts: number;
  data: unknown;
}
