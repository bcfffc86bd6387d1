import type { DeliveryFormName } from '@odin-ws/config';
import type { DeltaFormat, SubscriptionAck } from '@odin-ws/protocol';

/** What a subscribe says about forms: `"delta"` and `"compress"` (docs/protocol.md). */
export interface FormRequest {
  delta?: DeltaFormat;
  compress?: 'deflate';
}

/** One record's plain envelope as the broadcaster made it, and what a form may derive from it. */
export interface PublishedRecord {
  channel: string;
  partition: number;
  offset: number;
  /** The envelope's producer timestamp. */
  ts: number;
  /** The envelope's `prev`: the channel's previous envelope on this partition, null when not known. */
  prev: number | null;
  envelope: string;
  /** The channel's previous envelope as this shard holds it (state channels), with its position. */
  previous: { envelope: string; partition: number; offset: number } | undefined;
}

/** What a form makes of one record: the frame its subscribers get, and whether it is a delta. */
export interface FormFrame {
  frame: string | Buffer;
  /** A binary frame is already compressed: it never goes through permessage-deflate. */
  isBinary: boolean;
  delta: boolean;
}

/**
 * A delivery form: another shape of a channel's records for the subscriptions that ask for it
 * (deltas, compressed frames). Each form is a uWS topic of its own per channel (form-topics.ts),
 * and its frame is built once per record for all who hold it, never per subscriber. A new form is
 * one file implementing this and one line in record-forms.ts.
 */
export interface RecordForm<Name extends string = string> {
  /** Its name in the form topic (`<channel>|<name>`) and in what a connection holds. */
  readonly name: Name;
  /** Its name in --delivery-forms, which can turn it off: the request value that asks for it. */
  readonly option: DeliveryFormName;
  /** Only state channels take it (a delta needs the previous record as its base). */
  readonly stateChannelsOnly: boolean;
  /** A subscription in this form starts from the channel's snapshot: the base of what follows. */
  readonly startsFromSnapshot: boolean;
  /** The ack's list of the request's channels held in this form, when the request asks for it. */
  readonly ackField: keyof Pick<SubscriptionAck, 'deltas' | 'compressed'>;
  /** Whether a subscribe asks for this form for one of its channels (rate variants never take a form). */
  requestedBy(request: FormRequest, isStateChannel: boolean): boolean;
  frameOf(record: PublishedRecord): FormFrame;
}
