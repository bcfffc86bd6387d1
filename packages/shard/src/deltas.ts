import { buildDeltaEnvelope, envelopeDataJson } from '@odin-ws/protocol';
import { createStringDelta } from 'fossil-delta';
import type { TemplatedApp } from './uws.js';

/**
 * The uWS topic of a state channel's delta stream: subscriptions that asked for `"delta":"fossil"`
 * are on it instead of the channel's own topic. `|` is no channel character, so no channel has it.
 */
export function deltaTopicOf(channel: string): string {
  return `${channel}|fossil`;
}

const POSITION = /"pos":\{"partition":(\d+),"offset":(\d+)\}/;

/**
 * Publishes each record of a state channel to its delta topic: the record's `data` as a Fossil delta
 * from the previous record's, computed once per record and only when someone here subscribes to
 * deltas of that channel. The first record a shard has of a channel, or one on another partition
 * than the previous, goes out full: a delta needs a base the subscriber holds. So does one whose
 * delta would not be shorter; a full envelope is a new base for the subscriber all the same. Subscribers start
 * from a full envelope too: the snapshot, which the subscribe sends (client-message-handler.ts).
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
    const topic = deltaTopicOf(channel);
    const subscribers = this.app.numSubscribers(topic);
    if (subscribers === 0) return;
    const candidate = previous === undefined ? undefined : this.deltaFrom(previous, channel, partition, offset, ts, frame);
    // A small or wholly changed value can make a delta longer than the envelope: then the envelope.
    const delta = candidate !== undefined && candidate.length < frame.length ? candidate : undefined;
    this.app.publish(topic, delta ?? frame, false, this.compress);
    this.onPublish(subscribers, delta !== undefined);
  }

  private deltaFrom(previous: string, channel: string, partition: number, offset: number, ts: number, frame: string): string | undefined {
    const base = POSITION.exec(previous);
    const from = envelopeDataJson(previous);
    const to = envelopeDataJson(frame);
    if (!base || Number(base[1]) !== partition || from === undefined || to === undefined) return undefined;
    return buildDeltaEnvelope({ channel, partition, offset, ts, base: Number(base[2]), fossil: createStringDelta(from, to) });
  }
}
