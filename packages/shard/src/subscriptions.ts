import { type ChannelForm, formTopicOf } from './channel-forms.js';
import type { ClientSocket, ClientState } from './client-state.js';

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
  /** Channels held compressed, over all connections. */
  private compressedHeld = 0;

  constructor(private readonly maxPerClient: number) {}

  /**
   * All or nothing: a request that would pass the limit subscribes nothing. A channel `formOf`
   * names is held on that form's topic instead of its own (channel-forms.ts); a channel already held
   * keeps its form.
   */
  subscribe(ws: ClientSocket, channels: string[], formOf: (channel: string) => ChannelForm | undefined = () => undefined): SubscribeResult {
    const state = ws.getUserData();
    const added = channels.filter((channel) => !state.channels.has(channel));
    if (state.channels.size + added.length > this.maxPerClient) {
      return { ok: false, requested: state.channels.size + added.length, limit: this.maxPerClient };
    }
    for (const channel of added) {
      const form = formOf(channel);
      if (form !== undefined) {
        ws.subscribe(formTopicOf(channel, form));
        state.channelForms ??= new Map();
        state.channelForms.set(channel, form);
        if (form === 'compressed') this.compressedHeld++;
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
      const form = state.channelForms?.get(channel);
      state.channelForms?.delete(channel);
      ws.unsubscribe(form === undefined ? channel : formTopicOf(channel, form));
      if (form === 'compressed') this.compressedHeld--;
      this.forget(channel);
    }
    this.total -= removed.length;
    return { unsubscribed: removed, count: state.channels.size };
  }

  /** On close: uWS drops the socket from its topics itself; only the counts need updating. */
  release(state: Pick<ClientState, 'channels' | 'channelForms'>): void {
    const { channels, channelForms } = state;
    for (const channel of channels) this.forget(channel);
    for (const form of channelForms?.values() ?? []) if (form === 'compressed') this.compressedHeld--;
    this.total -= channels.size;
    channels.clear();
    channelForms?.clear();
  }

  /** Whether any connection here takes a channel compressed: until one does, no record looks for such subscribers. */
  get anyCompressed(): boolean {
    return this.compressedHeld > 0;
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
