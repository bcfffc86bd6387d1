import { DATA_MESSAGE_TYPE, decodeServerMessage, type Envelope, readZlibFrame } from '@odin-ws/protocol';
import type { Subscription } from './subscription.js';
import { bytesOf } from './zlib-frames.js';

/**
 * A binary message, handed to the subscription it names: the protocol's only binary frames are
 * deflate frames, each rebuilt to its envelope text and taken as that text would be. Returns the
 * subscription and what went wrong when its frame could not be rebuilt (the channel starts again
 * full) or showed a gap (the channel resumes); undefined when it was taken, stale (the subscription
 * no longer takes such frames) or not ours at all.
 */
export function takeDeflateFrame(data: unknown, subscriptionOf: (channel: string) => Subscription<unknown> | undefined): ChannelBreak | undefined {
  const bytes = bytesOf(data);
  const frame = bytes === undefined ? undefined : readZlibFrame(bytes);
  const subscription = frame === undefined ? undefined : subscriptionOf(frame.channel);
  if (frame === undefined || subscription === undefined) return undefined;
  const text = subscription.inflate(frame);
  if (text === undefined) return undefined;
  const message = text === 'delta-failed' ? undefined : decodeServerMessage(text);
  const outcome =
    message?.type === DATA_MESSAGE_TYPE && message.channel === subscription.channel ? subscription.accept(message, text) : subscription.deltaFailed();
  return outcome === 'delta-failed' || outcome === 'gap' ? { subscription, outcome } : undefined;
}

/** A channel whose stream broke: a delta that did not apply, a gap seen from `prev`, a book that failed its checks. The caller restarts it. */
export interface ChannelBreak {
  subscription: Subscription<unknown>;
  outcome: 'delta-failed' | 'gap' | 'book-resync';
}

/** A text envelope, handed to the subscription it names, as takeDeflateFrame does for binary ones. */
export function takeEnvelope(
  envelope: Envelope,
  text: string,
  subscriptionOf: (channel: string) => Subscription<unknown> | undefined,
): ChannelBreak | undefined {
  const subscription = subscriptionOf(envelope.channel);
  const outcome = subscription?.accept(envelope, text);
  return outcome === 'delta-failed' || outcome === 'gap' ? { subscription: subscription!, outcome } : undefined;
}
