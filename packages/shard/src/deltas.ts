import { deflateSync } from 'node:zlib';
import { buildDeltaEnvelope, DeflateFrameKind, type DeltaFormat, deflateDictionary, deflateFrameHeader, envelopeDataJson } from '@odin-ws/protocol';
import { createStringDelta } from 'fossil-delta';
import type { TemplatedApp } from './uws.js';

/**
 * The uWS topic of a state channel's delta stream in one format: subscriptions that asked for
 * `"delta":"<format>"` are on it instead of the channel's own topic. `|` is no channel character,
 * so no channel has it.
 */
export function deltaTopicOf(channel: string, format: DeltaFormat): string {
  return `${channel}|${format}`;
}

const POSITION = /"pos":\{"partition":(\d+),"offset":(\d+)\}/;

/**
 * Publishes each record of a state channel to its delta topics, computed once per record and format
 * and only when someone here subscribes to that format of the channel:
 * - fossil: the record's `data` as a Fossil delta from the previous record's, in a JSON envelope;
 * - deflate: the plain envelope as a binary frame, zlib-compressed against the previous envelope
 *   (deflate-frame.ts in @odin-ws/protocol). uWS's permessage-deflate compresses once per
 *   subscriber; this once per record, so it costs a shard no more with 10,000 subscribers than with one.
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
    const base = previous === undefined ? undefined : baseOf(previous, partition);
    this.publishFossil(channel, { partition, offset, ts }, frame, base);
    this.publishDeflate(channel, frame, base);
  }

  private publishFossil(channel: string, at: { partition: number; offset: number; ts: number }, frame: string, base: Base | undefined): void {
    const topic = deltaTopicOf(channel, 'fossil');
    const subscribers = this.app.numSubscribers(topic);
    if (subscribers === 0) return;
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

  private publishDeflate(channel: string, frame: string, base: Base | undefined): void {
    const topic = deltaTopicOf(channel, 'deflate');
    const subscribers = this.app.numSubscribers(topic);
    if (subscribers === 0) return;
    const kind = base === undefined ? DeflateFrameKind.FULL : DeflateFrameKind.DELTA;
    const dictionary = deflateDictionary(kind, base?.envelope, (text) => Buffer.from(text));
    const zlib = deflateSync(frame, { dictionary, ...zlibSizing(dictionary.length + frame.length) });
    // Already compressed: never through permessage-deflate again.
    this.app.publish(topic, Buffer.concat([deflateFrameHeader(kind, channel), zlib]), true, false);
    this.onPublish(subscribers, kind === DeflateFrameKind.DELTA);
  }
}

/**
 * Each record gets a fresh zlib stream (its dictionary is the previous record), and what a stream
 * allocates costs more than compressing a book: node's defaults (a 32 KB window, 256 KB of hash
 * tables and buffers, a 16 KB output chunk) are native memory V8 counts, and their churn at
 * thousands of records a second made the shard run a full GC every few hundred ms (measured:
 * 12 mark-compacts in a 5-second bench against 1-2). A window just big enough for dictionary and
 * envelope, the smallest tables and an output chunk Buffer's pool serves compress books to the
 * same size in half the CPU (13 against 20 µs). Inflaters accept any window.
 */
function zlibSizing(bytes: number): { windowBits: number; memLevel: number; chunkSize: number } {
  return { windowBits: Math.min(MAX_WINDOW_BITS, Math.max(MIN_WINDOW_BITS, Math.ceil(Math.log2(bytes)))), memLevel: 1, chunkSize: POOLED_CHUNK_BYTES };
}

/** Below Buffer.poolSize / 2, so each output chunk comes from the shared pool, not a new ArrayBuffer. */
const POOLED_CHUNK_BYTES = 512;
const MIN_WINDOW_BITS = 10;
const MAX_WINDOW_BITS = 15;

type Base = { envelope: string; offset: number };

/** The previous envelope as a delta's base: only on the same partition, where the subscriber's last position is. */
function baseOf(previous: string, partition: number): Base | undefined {
  const position = POSITION.exec(previous);
  return position && Number(position[1]) === partition ? { envelope: previous, offset: Number(position[2]) } : undefined;
}
