import {
  BEARER_SUBPROTOCOL_PREFIX,
  type BookDepth,
  DATA_MESSAGE_TYPE,
  decodeServerMessage,
  ODIN_SUBPROTOCOL,
  rateVariantName,
  type ServerMessage,
  type StreamPosition,
} from '@odin-ws/protocol';
import { type ChannelBreak, takeDeflateFrame, takeEnvelope } from './binary-messages.js';
import { followBook } from './book-subscription.js';
import type { ClientEvents, ConnectionState, OdinClientOptions, WebSocketConstructor, WebSocketLike } from './client-types.js';
import { type ConnectionRefusal, DEFAULT_MAX_REFUSALS, httpStatusOfHandshakeError, readRefusal, refusalIsFinal } from './connection-refusal.js';
import { Emitter } from './emitter.js';
import { type ClientError, type ClientErrorDetails, clientError, type ServerCode } from './errors.js';
import { Heartbeat } from './heartbeat.js';
import type { OrderBookView } from './local-book.js';
import { type BackoffOptions, backoffDelayMs, DEFAULT_BACKOFF, decideOnClose } from './reconnect-policy.js';
import { SubscribeOutbox } from './subscribe-outbox.js';
import {
  checkSubscribeArguments,
  DEFAULT_ITERATOR_BUFFER,
  DEFAULT_MAX_MESSAGE_BYTES,
  deltaFormatOf,
  type MessageHandler,
  type SubscribeOptions,
  Subscription,
} from './subscription.js';
import { coalescedTokens } from './token-source.js';
import { checkTransport } from './transport-security.js';

const OPEN = 1;
let platformWebSocket: WebSocketConstructor | undefined = (globalThis as { WebSocket?: WebSocketConstructor }).WebSocket;
/** Whether the default implementation takes handshake headers (Node's `ws`; no browser's does). */
let platformSendsHeaders = false;

/** @internal Set by the Node entry point: `ws`, whatever WebSocket the platform has. */
export function setDefaultWebSocket(implementation: WebSocketConstructor): void {
  platformWebSocket = implementation;
  platformSendsHeaders = true;
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
  /**
   * Whether a server has answered on some connection: only then is a new connection a resume (with
   * NO_POSITION for channels that have none). A refused one closes before any answer: what follows
   * it resumes nothing.
   */
  private served = false;
  private retryTimer: ReturnType<typeof setTimeout> | undefined;
  private readonly heartbeat: Heartbeat;
  /** The subscribes yet to send on the current connection, and those on their way. */
  private readonly outbox = new SubscribeOutbox({
    openSocket: () => (this.socket?.readyState === OPEN ? this.socket : undefined),
    // A subscription holds what a request asks (its position, delta, compress, depth).
    toAsk: (channel) => this.subscriptions.get(channel) ?? { channel, position: undefined, delta: undefined, compress: false },
    requested: (channel) => this.subscriptions.get(channel)?.requested(),
    unresumable: (channel) => this.emit('recovery', { channel, recovered: false, reason: 'NO_POSITION' }),
  });
  /** Per book kept by book(): what to do when the server says it is stale. */
  private readonly bookCopies = new Map<string, () => void>();
  private reconnects = 0;
  /** Refused connections in a row (4401/4403): reset once a server answers a request. */
  private refusals = 0;
  /** The HTTP status of a refused handshake, where the platform reports one (Node's `ws`). */
  private handshakeStatus: number | undefined;
  /** Whether handshakes can carry headers: the token then goes in Authorization, not the URL. */
  private readonly sendsHeaders: boolean;
  private readonly maxMessageBytes: number;
  /** The token from getToken (one call at a time), or undefined: no getToken, or it failed (token-source.ts). */
  private readonly token: () => Promise<string | undefined>;

  constructor(private readonly options: OdinClientOptions) {
    super();
    this.heartbeat = new Heartbeat(
      options.heartbeatIntervalMs ?? 15_000,
      options.heartbeatTimeoutMs ?? 10_000,
      () => {
        if (this.socket?.readyState !== OPEN) return false;
        this.socket.send('{"type":"ping"}');
        return true;
      },
      () => this.onHeartbeatMissed(),
    );
    this.backoff = { ...DEFAULT_BACKOFF, ...options.backoff };
    const impl = options.WebSocket ?? platformWebSocket;
    if (!impl) throw clientError('E_NO_WEBSOCKET', 'no WebSocket implementation: pass options.WebSocket');
    this.WebSocketImpl = impl;
    this.sendsHeaders = options.WebSocket === undefined ? platformSendsHeaders : options.headers !== undefined;
    if (options.headers && !this.sendsHeaders) {
      throw clientError('E_INVALID_OPTION', 'handshake headers need a WebSocket that sends them (Node); a browser cannot', {
        value: Object.keys(options.headers),
      });
    }
    checkTransport(options);
    this.maxMessageBytes = options.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES;
    const { getToken } = options;
    this.token = getToken
      ? coalescedTokens(getToken, (error) => (error.details.final ? this.giveUp(error) : this.emit('error', error)))
      : () => Promise.resolve(undefined);
  }

  get state(): ConnectionState {
    return this.current;
  }

  /**
   * Opens the connection (and keeps it open) until close(). After close() it starts again: a new
   * connection, no subscriptions (subscribe again, with `since` from positions() to resume).
   */
  connect(): this {
    if (this.current === 'closed') this.reset();
    if (this.current === 'idle') this.open();
    return this;
  }

  /**
   * Follows a channel. Subscribing again to a channel already followed returns the same subscription.
   * Messages go to `handler` if given, and to every `for await (const m of subscription)` loop.
   * `since` (a position from positions(), e.g. saved before a restart) resumes after it: the server
   * replays what came later from its history, or says in a `recovery` event that it cannot.
   */
  subscribe<T = unknown>(channel: string, handler?: MessageHandler<T>): Subscription<T>;
  subscribe<T = unknown>(channel: string, options: SubscribeOptions, handler?: MessageHandler<T>): Subscription<T>;
  subscribe<T = unknown>(channel: string, optionsOrHandler?: SubscribeOptions | MessageHandler<T>, maybeHandler?: MessageHandler<T>): Subscription<T> {
    const options = typeof optionsOrHandler === 'object' ? optionsOrHandler : {};
    const handler = typeof optionsOrHandler === 'function' ? optionsOrHandler : maybeHandler;
    checkSubscribeArguments(channel, options);
    if (this.current === 'closed') throw clientError('E_CLIENT_CLOSED', 'the client is closed: connect() starts it again', { value: channel });
    let subscription = this.subscriptions.get(channel) as Subscription<T> | undefined;
    if (!subscription) {
      subscription = new Subscription<T>(channel, (ended) => this.forget(ended), this.options.iteratorBuffer ?? DEFAULT_ITERATOR_BUFFER, this.maxMessageBytes);
      subscription.position = options.since;
      subscription.delta = deltaFormatOf(options.delta);
      subscription.compress = options.compress === true;
      subscription.depth = options.depth;
      this.subscriptions.set(channel, subscription as Subscription<unknown>);
      this.outbox.ask(channel);
    }
    if (handler) subscription.onMessage(handler);
    return subscription;
  }

  /**
   * Keeps a maintained book (docs/market-data.md) and hands `onBook` each new state: sorted sides of
   * decimal strings at `seq`. `rate` (100, 250, 500, 1000, 5000 ms) takes the merged rate variant
   * (`BTC.book@250ms`). Each message's `prevSeq` and checksum are checked against the copy; on any
   * mismatch, or when the server says the book is stale, the copy is dropped, a `recovery` event
   * BOOK_RESYNC is emitted and the book starts again from a snapshot: a wrong book is never shown.
   */
  book(channel: string, options: { rate?: number; depth?: BookDepth } = {}, onBook?: (book: OrderBookView) => void): Subscription<unknown> {
    const name = options.rate === undefined ? channel : rateVariantName(channel, options.rate);
    const host = {
      subscribe: (followed: string, handler: MessageHandler<unknown>) =>
        this.subscribe(followed, options.depth === undefined ? {} : { depth: options.depth }, handler),
      restart: (subscription: Subscription<unknown>) => this.restartChannel({ subscription, outcome: 'book-resync' }),
      resynced: (followed: string) => this.emit('recovery', { channel: followed, recovered: false, reason: 'BOOK_RESYNC' }),
    };
    const { subscription, onStale } = followBook(host, name, onBook);
    this.bookCopies.set(name, onStale);
    return subscription;
  }

  /**
   * The last position seen per channel: what a resume would start from. Still answers after
   * close(), so an app can save it on the way out and pass each as `since` in its next run.
   */
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

  /**
   * Stops: no reconnect, iterators end, and subscriptions not yet acknowledged reject their `ready`
   * (with `error` when the client gave up because of it). connect() starts again.
   */
  close(error?: ClientError): void {
    if (this.current === 'closed') return;
    clearTimeout(this.retryTimer);
    this.heartbeat.stop();
    const socket = this.socket;
    this.socket = undefined;
    if (socket) {
      detach(socket);
      socket.close(1000);
    }
    for (const subscription of this.subscriptions.values()) subscription.clientClosed(error);
    this.setState('closed');
  }

  /** Back to `idle` after close(): its subscriptions ended, counters fresh. */
  private reset(): void {
    this.subscriptions.clear();
    this.outbox.clear();
    this.attempt = 0;
    this.refusals = 0;
    this.hasConnected = false;
    this.served = false;
    this.setState('idle');
  }

  private open(): void {
    if (this.current !== 'unauthorized') this.setState(this.hasConnected || this.attempt > 0 ? 'reconnecting' : 'connecting');
    if (!this.options.getToken) {
      this.openSocket(this.options.url, this.options.headers, [ODIN_SUBPROTOCOL]);
      return;
    }
    void this.token().then((token) => {
      if (this.current === 'closed') return;
      const headers = { ...this.options.headers };
      // Never in the URL, which proxies log: a header where the platform can send one, else the
      // bearer subprotocol (browsers can offer subprotocols).
      const protocols = [ODIN_SUBPROTOCOL];
      if (token !== undefined && this.sendsHeaders) headers['Authorization'] = `Bearer ${token}`;
      else if (token !== undefined) protocols.push(`${BEARER_SUBPROTOCOL_PREFIX}${token}`);
      this.openSocket(this.options.url, this.sendsHeaders ? headers : undefined, protocols);
    });
  }

  /** `protocols`: odin.v1 (this client reads refusals as close frames, 4401/4403) and, in browsers, the token. */
  private openSocket(url: string, headers: Record<string, string> | undefined, protocols: string[]): void {
    // Node's `ws` takes options: the headers, and maxPayload, which bounds every frame (inflated ones too).
    const socket = this.sendsHeaders
      ? new this.WebSocketImpl(url, protocols, { ...(headers ? { headers } : {}), maxPayload: this.maxMessageBytes })
      : new this.WebSocketImpl(url, protocols);
    // Deflate frames are read at once; a browser's default, a Blob, is read only asynchronously.
    socket.binaryType = 'arraybuffer';
    this.socket = socket;
    this.handshakeStatus = undefined;
    socket.onopen = () => this.onOpen();
    socket.onmessage = (event) => this.onMessage(event.data);
    socket.onclose = (event) => this.onClose(event.code, event.reason);
    // A close event always follows and carries what matters; Node's `ws` also names a refused
    // handshake's HTTP status here (a server that answers 401 instead of a close frame).
    socket.onerror = (event) => {
      this.handshakeStatus = httpStatusOfHandshakeError(event);
    };
  }

  private onOpen(): void {
    const resuming = this.served;
    this.hasConnected = true;
    this.setState('open');
    this.heartbeat.start();
    this.outbox.askForAll(this.subscriptions.keys(), resuming);
  }

  private onMessage(data: unknown): void {
    if (typeof data !== 'string') {
      this.restartChannel(takeDeflateFrame(data, (channel) => this.subscriptions.get(channel)));
      return;
    }
    const message = decodeServerMessage(data);
    if (!message) return;
    // A server answered through the whole path: the next cut starts a fresh backoff, and the token
    // was taken (a refusal closes before any answer).
    this.attempt = 0;
    this.refusals = 0;
    this.served = true;
    switch (message.type) {
      case DATA_MESSAGE_TYPE:
        this.restartChannel(takeEnvelope(message, data, (channel) => this.subscriptions.get(channel)));
        return;
      case 'subscription_ack':
        this.onSubscriptionAck(message);
        return;
      case 'pong':
        this.heartbeat.pong();
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

  private onSubscriptionAck(message: Extract<ServerMessage, { type: 'subscription_ack' }>): void {
    this.outbox.answered(message.id);
    const recovery = message.recovery ?? {};
    for (const channel of message.stale ?? []) this.bookCopies.get(channel)?.();
    for (const channel of message.subscribed) {
      const outcome = recovery[channel];
      this.subscriptions.get(channel)?.acknowledged(outcome);
      if (outcome) this.emit('recovery', { channel, ...outcome });
    }
  }

  /** A refused request ends the subscriptions it carried; every server error is also an `error` event. */
  private onServerError(message: Extract<ServerMessage, { type: 'error' }>): void {
    const channels = this.outbox.answered(message.id);
    const error = clientError('E_SERVER_ERROR', message.message, {
      serverCode: message.code as ServerCode,
      ...(message.value === undefined ? {} : { value: message.value }),
      ...(channels ? { channels } : {}),
    });
    if (channels) {
      for (const channel of channels) {
        const subscription = this.subscriptions.get(channel);
        this.subscriptions.delete(channel);
        subscription?.refused(error);
      }
    }
    this.emit('error', error);
  }

  private onClose(code: number, reason: string): void {
    this.heartbeat.stop();
    this.socket = undefined;
    this.outbox.dropInFlight();
    if (this.current === 'closed') return;
    const refusal = readRefusal(code, reason, this.handshakeStatus);
    if (refusal) {
      this.onRefused(refusal);
      return;
    }
    const decision = decideOnClose(code, reason, this.attempt, this.backoff);
    if (!decision.reconnect) {
      this.giveUp(clientError('E_CONNECTION_REFUSED', decision.why, { closeCode: code, value: reason, final: true }));
      return;
    }
    this.scheduleReconnect(code, decision.serverCode ?? 'CONNECTION_LOST', decision.delayMs);
  }

  /**
   * The server refused the token (or origin): an error event the app can act on ("sign in again"),
   * state `unauthorized`, and a retry with a token fetched anew, until that cannot help.
   */
  private onRefused(refusal: ConnectionRefusal): void {
    this.refusals++;
    const final = refusalIsFinal(refusal, this.refusals, this.options.getToken !== undefined, this.options.maxRefusals ?? DEFAULT_MAX_REFUSALS);
    const details: ClientErrorDetails = { serverCode: refusal.serverCode, closeCode: refusal.closeCode, attempt: this.refusals, final };
    const code = refusal.kind === 'unauthorized' ? 'E_UNAUTHORIZED' : 'E_FORBIDDEN';
    const error = clientError(
      code,
      `the server refused the connection: ${refusal.serverCode}${final ? '; giving up' : '; retrying with a new token'}`,
      details,
    );
    if (final) {
      this.giveUp(error);
      return;
    }
    this.setState('unauthorized');
    this.emit('error', error);
    this.scheduleReconnect(refusal.closeCode, refusal.serverCode, backoffDelayMs(this.attempt, this.backoff));
  }

  /** Stops for good because of `error`: the error event first, then state `closed`. */
  private giveUp(error: ClientError): void {
    this.emit('error', error);
    this.close(error);
  }

  private scheduleReconnect(code: number, cause: string, delayMs: number): void {
    this.attempt++;
    this.reconnects++;
    if (this.current !== 'unauthorized') this.setState('reconnecting');
    this.emit('reconnect', { attempt: this.attempt, delayMs, code, cause });
    this.retryTimer = setTimeout(() => this.open(), delayMs);
  }

  /**
   * A broken stream starts again, reported as a recovery that did not recover: from a snapshot after a
   * delta that did not apply or a book that failed its checks (position forgotten), or from the
   * position held after a gap seen from `prev` (the server replays what it has). Never skipped silently.
   */
  private restartChannel(broken: ChannelBreak | undefined): void {
    if (broken === undefined) return;
    const { channel, position } = broken.subscription;
    if (broken.outcome === 'gap') this.emit('recovery', { channel, recovered: false, reason: 'GAP_DETECTED', resumedFrom: position });
    else this.emit('recovery', { channel, recovered: false, reason: broken.outcome === 'delta-failed' ? 'DELTA_FAILED' : 'BOOK_RESYNC' });
    if (this.socket?.readyState !== OPEN) return;
    this.socket.send(JSON.stringify({ type: 'unsubscribe', data: { channels: [channel] } }));
    this.outbox.ask(channel);
  }

  private forget<T>(subscription: Subscription<T>): void {
    if (this.subscriptions.get(subscription.channel) !== (subscription as Subscription<unknown>)) return;
    this.bookCopies.delete(subscription.channel);
    this.subscriptions.delete(subscription.channel);
    this.outbox.forget(subscription.channel);
    if (this.socket?.readyState === OPEN) this.socket.send(JSON.stringify({ type: 'unsubscribe', data: { channels: [subscription.channel] } }));
  }

  /** No pong in time: the path is dead even if TCP has not noticed. Drop it and reconnect now. */
  private onHeartbeatMissed(): void {
    const socket = this.socket;
    this.socket = undefined;
    this.outbox.dropInFlight();
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
