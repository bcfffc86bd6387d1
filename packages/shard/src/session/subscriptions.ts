import { type ChannelForm, formTopicOf } from '../delivery/index.js';
import type { ClientSocket, ClientState } from './client-state.js';
import type { AddedChannel } from './subscribe-plan.js';

/**
 * Subscriptions are held by uWS natively (its topic tree does the fan-out); this index mirrors
 * them only to count channels, subscriptions and the forms held, for /health, metrics and the
 * publisher (a form nobody holds costs a record nothing), without ever walking sockets.
 */
export class SubscriptionIndex {
  private readonly subscribersByChannel = new Map<string, number>();
  private total = 0;
  /** Per form, the channels held in it over all connections. */
  private readonly heldByForm = new Map<ChannelForm, number>();

  /**
   * Holds channels the subscribe plan added (subscribe-plan.ts: limits and grants are checked
   * there). A channel in a form is held on that form's topic instead of its own (form-topics.ts).
   */
  subscribe(ws: ClientSocket, added: readonly AddedChannel[]): void {
    const state = ws.getUserData();
    for (const { channel, form } of added) {
      if (state.channels.has(channel)) continue;
      if (form !== undefined) {
        ws.subscribe(formTopicOf(channel, form));
        state.channelForms ??= new Map();
        state.channelForms.set(channel, form);
        this.countForm(form, 1);
      } else ws.subscribe(channel);
      state.channels.add(channel);
      this.total++;
      this.subscribersByChannel.set(channel, (this.subscribersByChannel.get(channel) ?? 0) + 1);
    }
  }

  unsubscribe(ws: ClientSocket, channels: string[]): { unsubscribed: string[]; count: number } {
    const state = ws.getUserData();
    const removed = channels.filter((channel) => state.channels.delete(channel));
    for (const channel of removed) {
      const form = state.channelForms?.get(channel);
      state.channelForms?.delete(channel);
      ws.unsubscribe(form === undefined ? channel : formTopicOf(channel, form));
      if (form !== undefined) this.countForm(form, -1);
      this.forget(channel);
    }
    this.total -= removed.length;
    return { unsubscribed: removed, count: state.channels.size };
  }

  /** On close: uWS drops the socket from its topics itself; only the counts need updating. */
  release(state: Pick<ClientState, 'channels' | 'channelForms'>): void {
    const { channels, channelForms } = state;
    for (const channel of channels) this.forget(channel);
    for (const form of channelForms?.values() ?? []) this.countForm(form, -1);
    this.total -= channels.size;
    channels.clear();
    channelForms?.clear();
  }

  /** Whether any connection here holds a channel in this form: until one does, no record looks for its subscribers. */
  isHeld(form: ChannelForm): boolean {
    return (this.heldByForm.get(form) ?? 0) > 0;
  }

  get subscriptions(): number {
    return this.total;
  }

  get channels(): number {
    return this.subscribersByChannel.size;
  }

  private countForm(form: ChannelForm, change: 1 | -1): void {
    this.heldByForm.set(form, (this.heldByForm.get(form) ?? 0) + change);
  }

  private forget(channel: string): void {
    const remaining = (this.subscribersByChannel.get(channel) ?? 1) - 1;
    if (remaining === 0) this.subscribersByChannel.delete(channel);
    else this.subscribersByChannel.set(channel, remaining);
  }
}
