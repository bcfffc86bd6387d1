import { type ChannelToAsk, subscribeRequests } from './subscribe-requests.js';

/** What the outbox needs of its client. */
export interface OutboxClient {
  /** The socket to send on while the connection is open, else undefined. */
  openSocket(): { send(text: string): void } | undefined;
  /** What the client knows of a channel when it asks for it (subscribe-requests.ts). */
  toAsk(channel: string): ChannelToAsk;
  /** A request for the channel went out. */
  requested(channel: string): void;
  /** Resuming after a reconnect, a channel with no position to resume from. */
  unresumable(channel: string): void;
}

/**
 * The channels a client has yet to ask for, and its subscribe requests on their way. Subscribes made
 * in one tick go out together (one request per delivery choice, subscribe-requests.ts); each request
 * carries an id, so an ack or a refusal names the channels it answers.
 */
export class SubscribeOutbox {
  private readonly unsent = new Set<string>();
  private readonly inflight = new Map<string, string[]>();
  private flushScheduled = false;
  private requestSeq = 0;

  constructor(private readonly client: OutboxClient) {}

  /** Asks for `channel` at the end of this tick, with whatever else is asked for in it. */
  ask(channel: string): void {
    this.unsent.add(channel);
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    queueMicrotask(() => {
      this.flushScheduled = false;
      this.flush(false);
    });
  }

  /** A connection opened: asks for every channel now, resuming those with a position when `resuming`. */
  askForAll(channels: Iterable<string>, resuming: boolean): void {
    this.unsent.clear();
    for (const channel of channels) this.unsent.add(channel);
    this.flush(resuming);
  }

  /** A channel no longer followed: not asked for. */
  forget(channel: string): void {
    this.unsent.delete(channel);
  }

  /** The channels the request `id` asked for, now answered (acked or refused); undefined for an id not on its way. */
  answered(id: unknown): string[] | undefined {
    if (typeof id !== 'string') return undefined;
    const channels = this.inflight.get(id);
    this.inflight.delete(id);
    return channels;
  }

  /** The connection is gone: no answer will come to what was on its way. */
  dropInFlight(): void {
    this.inflight.clear();
  }

  clear(): void {
    this.unsent.clear();
    this.inflight.clear();
  }

  /** Sends the subscribes for every unsent channel, with positions for those that have one; nothing while closed. */
  private flush(resuming: boolean): void {
    const socket = this.client.openSocket();
    if (!socket || this.unsent.size === 0) return;
    const channels = [...this.unsent].map((channel) => this.client.toAsk(channel));
    this.unsent.clear();
    const { requests, unresumable } = subscribeRequests(channels);
    if (resuming) for (const channel of unresumable) this.client.unresumable(channel);
    for (const data of requests) {
      const id = `s${++this.requestSeq}`;
      this.inflight.set(id, data.channels);
      for (const channel of data.channels) this.client.requested(channel);
      socket.send(JSON.stringify({ type: 'subscribe', id, data }));
    }
  }
}
