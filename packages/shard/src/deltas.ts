import { buildDeltaEnvelope, DeflateFrameKind, envelopeDataJson } from '@odin-ws/protocol';
import { createStringDelta } from 'fossil-delta';
import { formTopicOf } from './channel-forms.js';
import { buildDeflateFrame } from './deflate-frames.js';
import type { TemplatedApp } from './uws.js';

const POSITION = /"pos":\{"partition":(\d+),"offset":(\d+)\}/;

/**
 * Publishes each record of a state channel to its delta topics, computed once per record and format
 * and only when someone here subscribes to that format of the channel:
 * - fossil: the record's `data` as a Fossil delta from the previous record's, in a JSON envelope;
 * - deflate: the plain envelope as a binary frame, zlib-compressed against the previous envelope
 *   (deflate-frames.ts). uWS's permessage-deflate compresses once per subscriber; this once per
 *   record, so its compression costs a shard the same with 10,000 subscribers as with one.
 * The first record a shard has of a channel, or one on another partition than the previous, goes
 * out full (a delta needs a base the subscriber holds), and so does a fossil delta that would not be
 * shorter; a full envelope is a new base for the subscriber all the same. Subscribers start from a
 * full envelope too: the snapshot, which the subscribe sends (client-message-handler.ts).
 */
export class DeltaPublisher {
  constructor(
    private readonly app: Pick<TemplatedApp, 'numSubscribers' | 'publish'>,
    private readonly compress: boolean,
    /** Per publish: the subscribers it reached and whether it was a delta. */
    private readonly onPublish: (subscribers: number, delta: boolean) => void = () => undefined,
  ) {}

  /** `frame`: the record's full envelope; `previous`: the channel's previous one, if this shard holds it. */
  published(channel: string, partition: number, offset: number, ts: number, frame: string, previous: string | undefined): void {
    const fossil = formTopicOf(channel, 'fossil');
    const deflate = formTopicOf(channel, 'deflate');
    const fossilSubscribers = this.app.numSubscribers(fossil);
    const deflateSubscribers = this.app.numSubscribers(deflate);
    // Most state records have no delta subscriber here: they skip even reading the base's position.
    if (fossilSubscribers + deflateSubscribers === 0) return;
    const base = previous === undefined ? undefined : baseOf(previous, partition);
    if (fossilSubscribers > 0) this.publishFossil(fossil, fossilSubscribers, channel, { partition, offset, ts }, frame, base);
    if (deflateSubscribers > 0) this.publishDeflate(deflate, deflateSubscribers, channel, frame, base);
  }

  private publishFossil(
    topic: string,
    subscribers: number,
    channel: string,
    at: { partition: number; offset: number; ts: number },
    frame: string,
    base: Base | undefined,
  ): void {
    const from = base === undefined ? undefined : envelopeDataJson(base.envelope);
    const to = envelopeDataJson(frame);
    const candidate =
      base === undefined || from === undefined || to === undefined
        ? undefined
        : buildDeltaEnvelope({ channel, ...at, base: base.offset, fossil: createStringDelta(from, to) });
    // A small or wholly changed value can make a delta longer than the envelope: then the envelope.
    const delta = candidate !== undefined && candidate.length < frame.length ? candidate : undefined;
    this.app.publish(topic, delta ?? frame, false, this.compress);
    this.onPublish(subscribers, delta !== undefined);
  }

  private publishDeflate(topic: string, subscribers: number, channel: string, frame: string, base: Base | undefined): void {
    const kind = base === undefined ? DeflateFrameKind.FULL : DeflateFrameKind.DELTA;
    // Already compressed: never through permessage-deflate again.
    this.app.publish(topic, buildDeflateFrame(kind, channel, frame, base?.envelope), true, false);
    this.onPublish(subscribers, kind === DeflateFrameKind.DELTA);
  }
}

type Base = { envelope: string; offset: number };

/** The previous envelope as a delta's base: only on the same partition, where the subscriber's last position is. */
function baseOf(previous: string, partition: number): Base | undefined {
  const position = POSITION.exec(previous);
  return position && Number(position[1]) === partition ? { envelope: previous, offset: Number(position[2]) } : undefined;
}
