import type { DeltaFormat } from '@odin-ws/protocol';
import type { ClientSocket } from './client-state.js';
import { deltaTopicOf } from './deltas.js';

/** `added`: the channels of the request this connection did not hold before. */
export type SubscribeResult = { ok: true; subscribed: string[]; added: string[]; count: number } | { ok: false; requested: number; limit: number };

/**
 * Subscriptions are held by uWS natively (its topic tree does the fan-out); this index mirrors
 * them only to enforce the per-client limit and to count channels and subscriptions for
 * /health and metrics, without ever walking sockets.
 */
export class SubscriptionIndex {
  private readonly subscribersByChannel = new Map<string, number>();
  private total = 0;

  constructor(private readonly maxPerClient: number) {}

  /**
   * All or nothing: a request that would pass the limit subscribes nothing. The channels in
   * `asDeltas` are held on their delta topic in `format` instead of their own (deltas.ts).
   */
  subscribe(ws: ClientSocket, channels: string[], asDeltas: ReadonlySet<string> = NONE, format: DeltaFormat = 'fossil'): SubscribeResult {
    const state = ws.getUserData();
    const added = channels.filter((channel) => !state.channels.has(channel));
    if (state.channels.size + added.length > this.maxPerClient) {
      return { ok: false, requested: state.channels.size + added.length, limit: this.maxPerClient };
    }
    for (const channel of added) {
      if (asDeltas.has(channel)) {
        ws.subscribe(deltaTopicOf(channel, format));
        state.deltaChannels ??= new Map();
        state.deltaChannels.set(channel, format);
      } else ws.subscribe(channel);
      state.channels.add(channel);
      this.subscribersByChannel.set(channel, (this.subscribersByChannel.get(channel) ?? 0) + 1);
    }
    this.total += added.length;
    return { ok: true, subscribed: channels, added, count: state.channels.size };
  }

  unsubscribe(ws: ClientSocket, channels: string[]): { unsubscribed: string[]; count: number } {
    const state = ws.getUserData();
    const removed = channels.filter((channel) => state.channels.delete(channel));
    for (const channel of removed) {
      const format = state.deltaChannels?.get(channel);
      state.deltaChannels?.delete(channel);
      ws.unsubscribe(format === undefined ? channel : deltaTopicOf(channel, format));
      this.forget(channel);
    }
    this.total -= removed.length;
    return { unsubscribed: removed, count: state.channels.size };
  }

  /** On close: uWS drops the socket from its topics itself; only the counts need updating. */
  release(channels: Set<string>): void {
    for (const channel of channels) this.forget(channel);
    this.total -= channels.size;
    channels.clear();
  }

  get subscriptions(): number {
    return this.total;
  }

  get channels(): number {
    return this.subscribersByChannel.size;
  }

  private forget(channel: string): void {
    const remaining = (this.subscribersByChannel.get(channel) ?? 1) - 1;
    if (remaining === 0) this.subscribersByChannel.delete(channel);
    else this.subscribersByChannel.set(channel, remaining);
  }
}

const NONE: ReadonlySet<string> = new Set();
