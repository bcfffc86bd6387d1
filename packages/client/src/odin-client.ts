import { OdinError } from '@odin-ws/errors';
import { type ChannelRecovery, DATA_MESSAGE_TYPE, decodeServerMessage, isValidChannel, type ServerMessage, type StreamPosition } from '@odin-ws/protocol';
import { Emitter } from './emitter.js';
import { type BackoffOptions, DEFAULT_BACKOFF, decideOnClose } from './reconnect-policy.js';
import { DEFAULT_ITERATOR_BUFFER, type MessageHandler, Subscription } from './subscription.js';

/** The part of the standard WebSocket API the client uses: browsers' and `ws`'s both fit. */
export interface WebSocketLike {
  readonly readyState: number;
  send(data: string): void;
  close(code?: number, reason?: string): void;
  onopen: ((event: unknown) => void) | null;
  onmessage: ((event: { data: unknown }) => void) | null;
  onclose: ((event: { code: number; reason: string }) => void) | null;
  onerror: ((event: unknown) => void) | null;
}

export type WebSocketConstructor = new (url: string) => WebSocketLike;

export interface OdinClientOptions {
  /** The load balancer's (or a shard's) WebSocket URL, e.g. ws://127.0.0.1:3001/ws. */
  url: string;
  /** WebSocket implementation; default: the platform's (browsers), or `ws` on Node. */
  WebSocket?: WebSocketConstructor;
  backoff?: Partial<BackoffOptions>;
  /** How often the client pings the server; default 15 s, as the seed clients did. */
  heartbeatIntervalMs?: number;
  /** A ping unanswered this long means the connection is dead; default 10 s. */
  heartbeatTimeoutMs?: number;
  /** Messages one `for await` loop may leave unread before it fails; default 10,000. */
  iteratorBuffer?: number;
  /**
   * When the server checks tokens: called before every connection (the token goes on the URL as
   * `?token=`, which browsers allow where headers are not) and when the server says the token is about
   * to expire (it is then sent as a `refresh`, and the connection carries on).
   */
  getToken?: () => string | Promise<string>;
}

/** `idle` before connect(); `reconnecting` while waiting out a retry delay; `closed` for good. */
export type ConnectionState = 'idle' | 'connecting' | 'open' | 'reconnecting' | 'closed';

/**
 * After a reconnect, per channel: whether the stream continues with no gap. Not recovered means the
 * caller must resync that channel by other means. `NO_POSITION`: the channel had delivered nothing
 * before the cut, so there was no position to resume from.
 */
export type RecoveryEvent = { channel: string } & (ChannelRecovery | { recovered: false; reason: 'NO_POSITION' });

export interface ReconnectEvent {
  attempt: number;
  delayMs: number;
  /** Close code, or 1006 for a missed heartbeat. */
  code: number;
  /** Why: the server's reason code (DRAINING, OVERLOADED, SLOW_CONSUMER...), HEARTBEAT_TIMEOUT, or CONNECTION_LOST. */
  cause: string;
}

export type ClientEvents = {
  state: ConnectionState;
  recovery: RecoveryEvent;
  reconnect: ReconnectEvent;
  /** Errors the server reported, refused subscriptions, and the reason the client gave up. */
  error: OdinError;
};

const OPEN = 1;
let platformWebSocket: WebSocketConstructor | undefined = (globalThis as { WebSocket?: WebSocketConstructor }).WebSocket;

/** @internal Set by the Node entry point to `ws` where the platform has no WebSocket. */
export function setDefaultWebSocket(implementation: WebSocketConstructor): void {
  platformWebSocket ??= implementation;
}

/**
 * An odin-ws client: follows channels through reconnects with no gap and no duplicate where the
 * server can vouch for it, and says so where it cannot.
 *
 *   const client = new OdinClient({ url: 'ws://127.0.0.1:3001/ws' }).connect();
 *   client.subscribe('BTC.trade', (message) => console.log(message.data));
 *   client.on('recovery', (event) => { if (!event.recovered) resync(event.channel); });
 */
export class OdinClient extends Emitter<ClientEvents> {
  private readonly subscriptions = new Map<string, Subscription<unknown>>();
  private readonly backoff: BackoffOptions;
  private readonly WebSocketImpl: WebSocketConstructor;
  private socket: WebSocketLike | undefined;
  private current: ConnectionState = 'idle';
  /** Failed connections in a row: drives the backoff; reset once a server answers. */
  private attempt = 0;
  private hasConnected = false;
  private retryTimer: ReturnType<typeof setTimeout> | undefined;
  private heartbeatTimer: ReturnType<typeof setInterval> | undefined;
  private pongDeadline: ReturnType<typeof setTimeout> | undefined;
  /** Channels subscribed locally but not yet sent on the current connection. */
  private readonly unsent = new Set<string>();
  private flushScheduled = false;
  private requestSeq = 0;
  /** Subscribe request id -> its channels, to tie a refusal to the subscriptions it concerns. */
  private readonly inflight = new Map<string, string[]>();
  private reconnects = 0;

  constructor(private readonly options: OdinClientOptions) {
    super();
    this.backoff = { ...DEFAULT_BACKOFF, ...options.backoff };
    const impl = options.WebSocket ?? platformWebSocket;
    if (!impl) throw new OdinError('E_NO_WEBSOCKET', 'no WebSocket implementation: pass options.WebSocket', {});
    this.WebSocketImpl = impl;
  }

  get state(): ConnectionState {
    return this.current;
  }

  /** Opens the connection (and keeps it open) until close(). */
  connect(): this {
    if (this.current === 'idle') this.open();
    return this;
  }

  /**
   * Follows a channel. Subscribing again to a channel already followed returns the same subscription.
   * Messages go to `handler` if given, and to every `for await (const m of subscription)` loop.
   */
  subscribe<T = unknown>(channel: string, handler?: MessageHandler<T>): Subscription<T> {
    if (!isValidChannel(channel)) throw new OdinError('E_INVALID_CHANNEL', 'channel names are 1-128 characters of A-Z a-z 0-9 . _ : -', { channel });
    if (this.current === 'closed') throw new OdinError('E_CLIENT_CLOSED', 'the client is closed', { channel });
    let subscription = this.subscriptions.get(channel) as Subscription<T> | undefined;
    if (!subscription) {
      subscription = new Subscription<T>(channel, (ended) => this.forget(ended), this.options.iteratorBuffer ?? DEFAULT_ITERATOR_BUFFER);
      this.subscriptions.set(channel, subscription as Subscription<unknown>);
      this.unsent.add(channel);
      this.scheduleFlush();
    }
    if (handler) subscription.onMessage(handler);
    return subscription;
  }

  /** The last position seen per channel: what a resume would start from. */
  positions(): Record<string, StreamPosition> {
    const positions: Record<string, StreamPosition> = {};
    for (const [channel, subscription] of this.subscriptions) if (subscription.position) positions[channel] = subscription.position;
    return positions;
  }

  stats(): { reconnects: number; duplicatesDropped: number; channels: number } {
    let duplicatesDropped = 0;
    for (const subscription of this.subscriptions.values()) duplicatesDropped += subscription.duplicatesDropped;
    return { reconnects: this.reconnects, duplicatesDropped, channels: this.subscriptions.size };
  }

  /** Closes for good: no reconnect, iterators end. */
  close(): void {
    if (this.current === 'closed') return;
    clearTimeout(this.retryTimer);
    this.stopHeartbeat();
    const socket = this.socket;
    this.socket = undefined;
    if (socket) {
      detach(socket);
      socket.close(1000);
    }
    for (const subscription of this.subscriptions.values()) subscription.end();
    this.setState('closed');
  }

  private open(): void {
    this.setState(this.hasConnected || this.attempt > 0 ? 'reconnecting' : 'connecting');
    if (!this.options.getToken) {
      this.openSocket(this.options.url);
      return;
    }
    void this.token().then((token) => {
      if (this.current === 'closed') return;
      const url = new URL(this.options.url);
      if (token !== undefined) url.searchParams.set('token', token);
      this.openSocket(url.toString());
    });
  }

  private openSocket(url: string): void {
    const socket = new this.WebSocketImpl(url);
    this.socket = socket;
    socket.onopen = () => this.onOpen();
    socket.onmessage = (event) => this.onMessage(event.data);
    socket.onclose = (event) => this.onClose(event.code, event.reason);
    socket.onerror = () => undefined; // a close event always follows; it carries what matters
  }

  private onOpen(): void {
    const resuming = this.hasConnected;
    this.hasConnected = true;
    this.setState('open');
    this.startHeartbeat();
    this.unsent.clear();
    for (const channel of this.subscriptions.keys()) this.unsent.add(channel);
    this.flush(resuming);
  }

  private onMessage(data: unknown): void {
    if (typeof data !== 'string') return; // the protocol is JSON text; anything else is not ours
    const message = decodeServerMessage(data);
    if (!message) return;
    this.attempt = 0; // a server answered through the whole path: the next cut starts a fresh backoff
    switch (message.type) {
      case DATA_MESSAGE_TYPE:
        this.subscriptions.get(message.channel)?.accept(message);
        return;
      case 'subscription_ack':
        this.onSubscriptionAck(message);
        return;
      case 'pong':
        clearTimeout(this.pongDeadline);
        this.pongDeadline = undefined;
        return;
      case 'error':
        this.onServerError(message);
        return;
      case 'token_expiring':
        void this.refreshToken();
        return;
      case 'refresh_ack':
        for (const channel of message.revoked) {
          const subscription = this.subscriptions.get(channel);
          this.subscriptions.delete(channel);
          subscription?.revoked();
        }
        return;
    }
  }

  /** A fresh token for the open connection, before the current one expires. */
  private async refreshToken(): Promise<void> {
    const socket = this.socket;
    const token = await this.token();
    if (token !== undefined && socket === this.socket && socket?.readyState === OPEN) socket.send(JSON.stringify({ type: 'refresh', token }));
  }

  /** The token from getToken, or undefined (no getToken, or it failed: reported as an error event). */
  private async token(): Promise<string | undefined> {
    const { getToken } = this.options;
    if (!getToken) return undefined;
    try {
      // Called on a later tick, so a getToken that throws at once is reported after connect()
      // returned, to listeners attached right after it.
      return await Promise.resolve().then(() => getToken());
    } catch (error) {
      this.emit('error', new OdinError('E_TOKEN_UNAVAILABLE', `getToken failed: ${error instanceof Error ? error.message : String(error)}`, {}));
      return undefined;
    }
  }

  private onSubscriptionAck(message: Extract<ServerMessage, { type: 'subscription_ack' }>): void {
    if (typeof message.id === 'string') this.inflight.delete(message.id);
    const recovery = message.recovery ?? {};
    for (const channel of message.subscribed) {
      const outcome = recovery[channel];
      this.subscriptions.get(channel)?.acknowledged(outcome);
      if (outcome) this.emit('recovery', { channel, ...outcome });
    }
  }

  /** A refused request ends the subscriptions it carried; every server error is also an `error` event. */
  private onServerError(message: Extract<ServerMessage, { type: 'error' }>): void {
    const { id } = message;
    const channels = typeof id === 'string' ? this.inflight.get(id) : undefined;
    const error = new OdinError('E_SERVER_ERROR', message.message, {
      serverCode: message.code,
      ...(message.value === undefined ? {} : { value: message.value }),
      ...(channels ? { channels } : {}),
    });
    if (channels) {
      this.inflight.delete(id as string);
      for (const channel of channels) {
        const subscription = this.subscriptions.get(channel);
        this.subscriptions.delete(channel);
        subscription?.refused(error);
      }
    }
    this.emit('error', error);
  }

  private onClose(code: number, reason: string): void {
    this.stopHeartbeat();
    this.socket = undefined;
    this.inflight.clear();
    if (this.current === 'closed') return;
    const decision = decideOnClose(code, reason, this.attempt, this.backoff);
    if (!decision.reconnect) {
      this.emit('error', new OdinError('E_CONNECTION_REFUSED', decision.why, { code, reason }));
      this.close();
      return;
    }
    this.scheduleReconnect(code, decision.serverCode ?? 'CONNECTION_LOST', decision.delayMs);
  }

  private scheduleReconnect(code: number, cause: string, delayMs: number): void {
    this.attempt++;
    this.reconnects++;
    this.setState('reconnecting');
    this.emit('reconnect', { attempt: this.attempt, delayMs, code, cause });
    this.retryTimer = setTimeout(() => this.open(), delayMs);
  }

  private scheduleFlush(): void {
    if (this.flushScheduled || this.current !== 'open') return;
    this.flushScheduled = true;
    // Subscribes made in the same tick go out as one request.
    queueMicrotask(() => {
      this.flushScheduled = false;
      this.flush(false);
    });
  }

  /** Sends one subscribe for every unsent channel, with positions for those that have one. */
  private flush(resuming: boolean): void {
    const socket = this.socket;
    if (!socket || socket.readyState !== OPEN || this.unsent.size === 0) return;
    const channels = [...this.unsent];
    this.unsent.clear();
    const since: Record<string, StreamPosition> = {};
    for (const channel of channels) {
      const position = this.subscriptions.get(channel)?.position;
      if (position) since[channel] = position;
      else if (resuming) this.emit('recovery', { channel, recovered: false, reason: 'NO_POSITION' });
    }
    const id = `s${++this.requestSeq}`;
    this.inflight.set(id, channels);
    for (const channel of channels) this.subscriptions.get(channel)?.requested();
    const data = Object.keys(since).length > 0 ? { channels, since } : { channels };
    socket.send(JSON.stringify({ type: 'subscribe', id, data }));
  }

  private forget<T>(subscription: Subscription<T>): void {
    if (this.subscriptions.get(subscription.channel) !== (subscription as Subscription<unknown>)) return;
    this.subscriptions.delete(subscription.channel);
    this.unsent.delete(subscription.channel);
    if (this.socket?.readyState === OPEN) this.socket.send(JSON.stringify({ type: 'unsubscribe', data: { channels: [subscription.channel] } }));
  }

  private startHeartbeat(): void {
    const interval = this.options.heartbeatIntervalMs ?? 15_000;
    const timeout = this.options.heartbeatTimeoutMs ?? 10_000;
    this.heartbeatTimer = setInterval(() => {
      if (this.pongDeadline !== undefined || this.socket?.readyState !== OPEN) return;
      this.socket.send('{"type":"ping"}');
      this.pongDeadline = setTimeout(() => this.onHeartbeatMissed(), timeout);
    }, interval);
  }

  private stopHeartbeat(): void {
    clearInterval(this.heartbeatTimer);
    clearTimeout(this.pongDeadline);
    this.heartbeatTimer = undefined;
    this.pongDeadline = undefined;
  }

  /** No pong in time: the path is dead even if TCP has not noticed. Drop it and reconnect now. */
  private onHeartbeatMissed(): void {
    const socket = this.socket;
    this.stopHeartbeat();
    this.socket = undefined;
    this.inflight.clear();
    if (socket) {
      detach(socket);
      socket.close();
    }
    const decision = decideOnClose(1006, '', this.attempt, this.backoff);
    this.scheduleReconnect(1006, 'HEARTBEAT_TIMEOUT', decision.reconnect ? decision.delayMs : 0);
  }

  private setState(state: ConnectionState): void {
    if (state === this.current) return;
    this.current = state;
    this.emit('state', state);
  }
}

function detach(socket: WebSocketLike): void {
  socket.onopen = null;
  socket.onmessage = null;
  socket.onclose = null;
  socket.onerror = () => undefined;
}
