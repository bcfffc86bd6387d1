import type { TemplatedApp } from '../platform/index.js';
import { formTopicOf } from './form-topics.js';
import type { FormFrame, PublishedRecord, RecordForm } from './record-form.js';
import { type ChannelForm, RECORD_FORMS } from './record-forms.js';

export interface RecordPublisherOptions {
  /** permessage-deflate on: text frames go compressed (by uWS, per subscriber) to clients that negotiated it. */
  permessageDeflate: boolean;
  /** Whether any connection here holds some channel in this form (subscriptions.ts counts them). */
  isHeld: (form: ChannelForm) => boolean;
  /** A form published a delta (ws_deltas_published_total). */
  onDelta?: () => void;
  /**
   * Largest envelope a form's frame is built of (--form-max-record-size): a larger one goes to the
   * form's subscribers as its plain envelope, and is no base for the next record's delta.
   */
  formMaxRecordSize?: number;
}

/**
 * Publishes one record to everyone here who takes its channel: the plain envelope to the channel's
 * own topic, and each delivery form's frame (record-forms.ts) to that form's topic. A form's frame
 * is built only when someone here holds the channel in it, and a form no connection holds at all
 * costs a record not even the topic lookup.
 *
 * No JavaScript loop ever runs per subscriber. uWS v20's topic tree queues each published
 * message per subscriber and writes every subscriber's queue once per event-loop iteration,
 * corked, so a whole Kafka batch reaches a client in one syscall.
 */
export class RecordPublisher {
  constructor(
    private readonly app: Pick<TemplatedApp, 'numSubscribers' | 'publish'>,
    private readonly options: RecordPublisherOptions,
  ) {}

  /** Whether anyone here takes the channel, in any form: when nobody does and nothing is kept, a record is not even parsed. */
  hasSubscribers(channel: string, isStateChannel: boolean): boolean {
    if (this.app.numSubscribers(channel) > 0) return true;
    for (const form of RECORD_FORMS) if (this.takes(form, channel, isStateChannel) > 0) return true;
    return false;
  }

  /** Publishes the record in every form someone here takes it in; returns the frames handed to subscribers. */
  publish(record: PublishedRecord, isStateChannel: boolean): number {
    const { channel } = record;
    const plain = this.app.numSubscribers(channel);
    // With permessage-deflate on, uWS compresses the envelope for each subscriber that negotiated it.
    if (plain > 0) this.app.publish(channel, record.envelope, false, this.options.permessageDeflate);
    let frames = plain;
    for (const form of RECORD_FORMS) {
      const subscribers = this.takes(form, channel, isStateChannel);
      if (subscribers === 0) continue;
      const { frame, isBinary, delta } = this.formFrame(form, record);
      // A binary frame is compressed already: never through permessage-deflate again.
      this.app.publish(formTopicOf(channel, form.name), frame, isBinary, !isBinary && this.options.permessageDeflate);
      if (delta) this.options.onDelta?.();
      frames += subscribers;
    }
    return frames;
  }

  /**
   * The form's frame, or the plain envelope for a record past --form-max-record-size: a delta or a
   * compression of it would cost the shard in proportion to its size, per record, for one subscriber.
   * A previous envelope past the size is no base either (the form sends a full frame).
   */
  private formFrame(form: RecordForm<ChannelForm>, record: PublishedRecord): FormFrame {
    const limit = this.options.formMaxRecordSize ?? Number.POSITIVE_INFINITY;
    if (record.envelope.length > limit) return { frame: record.envelope, isBinary: false, delta: false };
    const previous = record.previous && record.previous.envelope.length <= limit ? record.previous : undefined;
    return form.frameOf(previous === record.previous ? record : { ...record, previous });
  }

  /** Subscribers of the channel in this form; 0 without a lookup when the form cannot apply or nobody holds it. */
  private takes(form: (typeof RECORD_FORMS)[number], channel: string, isStateChannel: boolean): number {
    if (form.stateChannelsOnly && !isStateChannel) return 0;
    if (!this.options.isHeld(form.name)) return 0;
    return this.app.numSubscribers(formTopicOf(channel, form.name));
  }
}
