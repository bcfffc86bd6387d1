import { DATA_MESSAGE_TYPE, decodeServerMessage, readZlibFrame } from '@odin-ws/protocol';
import type { Subscription } from './subscription.js';
import { bytesOf } from './zlib-frames.js';

/**
 * A binary message, handed to the subscription it names: the protocol's only binary frames are
 * deflate frames, each rebuilt to its envelope text and taken as that text would be. Returns the
 * subscription when its frame could not be rebuilt, so the channel starts again full; undefined
 * when it was taken, stale (the subscription no longer takes such frames) or not ours at all.
 */
export function takeDeflateFrame(data: unknown, subscriptionOf: (channel: string) => Subscription<unknown> | undefined): Subscription<unknown> | undefined {
  const bytes = bytesOf(data);
  const frame = bytes === undefined ? undefined : readZlibFrame(bytes);
  const subscription = frame === undefined ? undefined : subscriptionOf(frame.channel);
  if (frame === undefined || subscription === undefined) return undefined;
  const text = subscription.inflate(frame);
  if (text === undefined) return undefined;
  const message = text === 'delta-failed' ? undefined : decodeServerMessage(text);
  const outcome =
    message?.type === DATA_MESSAGE_TYPE && message.channel === subscription.channel ? subscription.accept(message, text) : subscription.deltaFailed();
  return outcome === 'delta-failed' ? subscription : undefined;
}
