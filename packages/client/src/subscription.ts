import {
  BOOK_DEPTHS,
  type BookDepth,
  DELTA_FORMATS,
  type DeltaFormat,
  envelopeDataJson,
  isValidSubscriptionName,
  MAX_CHANNEL_LENGTH,
  RATE_VARIANT_INTERVALS_MS,
  type StreamPosition,
  unmarkSnapshot,
  type ZlibFrame,
  ZlibFrameKind,
} from '@odin-ws/protocol';
import { applyStringDelta, getStringDeltaTargetSize } from 'fossil-delta';
import { Emitter } from './emitter.js';
import { type ClientError, clientError } from './errors.js';
import { type DeltaBase, inflateZlibFrame } from './zlib-frames.js';

/** One data envelope as the SDK hands it over. */
export interface StreamMessage<T = unknown> {
  channel: string;
  pos: StreamPosition;
  /** Producer timestamp, ms since the epoch. */
  ts: number;
  data: T;
  /** True when it came from the server's history after a reconnect, not live. */
  replayed: boolean;
  /**
   * True for a state channel's latest value sent right after subscribing (a ticker, a book: see
   * `--state-channels`), which may be old; live updates follow it with no gap.
   */
  snapshot: boolean;
  /** A maintained book's checksum after this message (docs/market-data.md); client.book() checks it. */
  checksum?: number;
}

export type MessageHandler<T> = (message: StreamMessage<T>) => void;

export interface SubscribeOptions {
  /**
   * Resume after this position (one from client.positions(), saved by an earlier run): the server
   * replays later records from its history, or reports `recovered: false` (then live records follow).
   */
  since?: StreamPosition;
  /**
   * Ask for a state channel's updates as deltas from the previous one (much smaller on the wire):
   * `true` or `'deflate'`, binary frames the server compresses once against the previous message
   * (about a tenth of a book's bytes); `'fossil'`, Fossil deltas in JSON text. The client rebuilds
   * each message, checked by a checksum, and goes back to full messages for that channel if one
   * ever fails to apply. No effect on other channels.
   */
  delta?: boolean | DeltaFormat;
  /**
   * Ask for the channel's messages as binary frames the server compresses once per message (about
   * 0.4× the bytes of a trade or a book); for a state channel, `delta` is smaller still and takes
   * precedence. No effect on rate variants.
   */
  compress?: boolean;
  /** A maintained book's top-of-book depth (10, 25 or 100): its messages are top-N snapshots (client.book sets it). */
  depth?: BookDepth;
}

export function validPosition(position: unknown): position is StreamPosition {
  const { partition, offset } = (position ?? {}) as Record<string, unknown>;
  return Number.isSafeInteger(partition) && (partition as number) >= 0 && Number.isSafeInteger(offset) && (offset as number) >= 0;
}

/** Throws the coded error for a channel name or options no subscription can be made with. */
export function checkSubscribeArguments(channel: string, options: SubscribeOptions): void {
  if (!isValidSubscriptionName(channel)) {
    const rule = `channel names are 1-${MAX_CHANNEL_LENGTH} characters of A-Z a-z 0-9 . _ : -, and a rate variant adds @<n>ms (n: ${RATE_VARIANT_INTERVALS_MS.join(', ')})`;
    throw clientError('E_INVALID_CHANNEL', rule, { value: channel });
  }
  if (options.since !== undefined && !validPosition(options.since)) {
    throw clientError('E_INVALID_POSITION', 'since must be { partition, offset }, whole numbers >= 0', { value: options.since });
  }
  if (options.delta !== undefined && typeof options.delta !== 'boolean' && !DELTA_FORMATS.includes(options.delta)) {
    throw clientError('E_INVALID_OPTION', 'delta must be true, false, "deflate" or "fossil"', { value: options.delta });
  }
  if (options.compress !== undefined && typeof options.compress !== 'boolean') {
    throw clientError('E_INVALID_OPTION', 'compress must be true or false', { value: options.compress });
  }
  if (options.depth !== undefined && !BOOK_DEPTHS.includes(options.depth)) {
    throw clientError('E_INVALID_OPTION', `depth must be one of ${BOOK_DEPTHS.join(', ')}`, { value: options.depth });
  }
}

/** The delta format a subscribe option asks for: `true` is the most compact, deflate. */
export function deltaFormatOf(option: SubscribeOptions['delta']): DeltaFormat | undefined {
  return option === true ? 'deflate' : option || undefined;
}

/** Messages an async iterator may hold unread before it fails with E_ITERATOR_OVERFLOW. */
export const DEFAULT_ITERATOR_BUFFER = 10_000;
/** What one message may rebuild to, by default: far above any real book, far below what hurts a tab. */
export const DEFAULT_MAX_MESSAGE_BYTES = 16 * 1024 * 1024;

/**
 * Where a subscription stands: `subscribing` (asked, on this connection, not yet acknowledged; also
 * after every reconnect), `subscribed` (acknowledged), `unsubscribed` (ended by unsubscribe() or by
 * a refreshed token that no longer grants the channel), `failed` (the server refused it).
 */
export type SubscriptionState = 'subscribing' | 'subscribed' | 'unsubscribed' | 'failed';

export type SubscriptionEvents = {
  state: SubscriptionState;
  /** Acknowledged; after a reconnect, `recovered` says whether the stream continues with no gap. */
  subscribed: { recovered: boolean; replayed: number; reason?: string };
  unsubscribed: { reason: 'unsubscribe' | 'revoked' | 'closed' };
  error: ClientError;
};

/**
 * A channel the client follows. It keeps the channel's position (the `pos` of the last message it
 * passed on), drops anything at or before it (duplicates after a resume), and hands messages to
 * callbacks and to async iterators. When the server cannot resume from that position (any
 * `recovered: false`: a re-created topic, a failover to another cluster, a position too old) the
 * position is forgotten: what the server sends next is new, whatever its offsets.
 */
export class Subscription<T = unknown> extends Emitter<SubscriptionEvents> implements AsyncIterable<StreamMessage<T>> {
  position: StreamPosition | undefined;
  state: SubscriptionState = 'subscribing';
  duplicatesDropped = 0;
  /** Resolves at the server's first acknowledgement; rejects if the server refused the channel. */
  readonly ready: Promise<void>;
  private settleReady!: (error?: Error) => void;
  private readonly handlers = new Set<MessageHandler<T>>();
  private readonly readers = new Set<IteratorReader<T>>();
  private replaysExpected = 0;
  private ended = false;
  /** With deltas: the last message, what the next delta applies to. */
  private base: DeltaBase | undefined;
  /** A gap was seen: the channel is being resubscribed from its position, and nothing is taken until the ack. */
  private resuming = false;
  /** @internal The delta format asked for; undefined again once one failed to apply. */
  delta: DeltaFormat | undefined;
  /** @internal Compressed frames asked for; false again once one failed to inflate. */
  compress = false;
  /** @internal The book depth asked for, per request (subscribe-requests.ts). */
  depth: BookDepth | undefined;

  constructor(
    readonly channel: string,
    private readonly detach: (subscription: Subscription<T>) => void,
    private readonly iteratorBuffer = DEFAULT_ITERATOR_BUFFER,
    /** The largest message text a frame or a delta may rebuild (OdinClientOptions.maxMessageBytes). */
    private readonly maxMessageBytes = DEFAULT_MAX_MESSAGE_BYTES,
  ) {
    super();
    this.ready = new Promise<void>((resolve, reject) => {
      this.settleReady = (error) => (error ? reject(error) : resolve());
    });
    this.ready.catch(() => undefined); // a caller that never awaits it must not see an unhandled rejection
  }

  /** Calls `handler` for every message; returns the function that stops it. */
  onMessage(handler: MessageHandler<T>): () => void {
    this.handlers.add(handler);
    return () => this.handlers.delete(handler);
  }

  /** Stops following the channel, on the server too, and ends its iterators. */
  unsubscribe(): void {
    if (this.ended) return;
    this.detach(this);
    this.end(undefined, 'unsubscribe');
  }

  [Symbol.asyncIterator](): AsyncIterator<StreamMessage<T>> {
    const reader = new IteratorReader<T>(this.iteratorBuffer, () => this.readers.delete(reader));
    if (this.ended) reader.finish();
    else this.readers.add(reader);
    return reader;
  }

  /** @internal The request for this channel went out on a (new) connection. */
  requested(): void {
    if (!this.ended) this.setState('subscribing');
  }

  /**
   * @internal The server acknowledged the channel; `replayed` envelopes from its history follow.
   * `recovery` is the server's word on a resume (absent on a first subscribe).
   */
  acknowledged(recovery: { recovered: true; replayed: number } | { recovered: false; reason: string } | undefined): void {
    this.resuming = false;
    this.replaysExpected = recovery?.recovered ? recovery.replayed : 0;
    // Kept, the old position would make every later envelope with lower offsets a "duplicate":
    // after a failover to a topic with lower offsets, every live record, possibly for days.
    if (recovery && !recovery.recovered) this.position = undefined;
    this.settleReady();
    this.setState('subscribed');
    this.emit(
      'subscribed',
      recovery === undefined ? { recovered: true, replayed: 0 } : recovery.recovered ? recovery : { recovered: false, replayed: 0, reason: recovery.reason },
    );
  }

  /** @internal The server refused the channel. */
  refused(error: ClientError): void {
    this.settleReady(error);
    this.emit('error', error);
    this.end(error, undefined, 'failed');
  }

  /** @internal A refreshed token no longer grants the channel: the server unsubscribed it. */
  revoked(): void {
    this.end(undefined, 'revoked');
  }

  /**
   * @internal Passes an envelope on unless it is at or before the position. `raw`: the frame's text,
   * whose data a later delta applies to. Returns 'accepted', 'duplicate', 'stale' (a delta sent
   * before the server heard that this channel gave deltas up) or 'delta-failed' (nothing passed
   * on: the caller resubscribes the channel for full messages).
   */
  accept(
    envelope: {
      pos: StreamPosition;
      ts: number;
      prev?: number | null;
      data?: unknown;
      delta?: { base: number; fossil: string };
      snapshot?: true;
      checksum?: number;
    },
    raw: string,
  ): 'accepted' | 'duplicate' | 'stale' | 'delta-failed' | 'gap' {
    const { pos } = envelope;
    const last = this.position;
    // Resuming after a gap: what comes before the server's answer is replayed after it.
    if (this.resuming) return 'stale';
    // Same partition: offsets order the channel. Another partition means the channel moved; take it.
    if (last !== undefined && last.partition === pos.partition && pos.offset <= last.offset) {
      this.duplicatesDropped++;
      return 'duplicate';
    }
    // `prev` names the channel's envelope before this one: if it is not the one held, something was
    // missed. A snapshot starts the stream again, and null means the server does not know.
    const prev = envelope.prev;
    if (envelope.snapshot !== true && typeof prev === 'number' && last !== undefined && last.partition === pos.partition && prev !== last.offset) {
      this.resuming = true;
      return 'gap';
    }
    let dataJson: string | undefined;
    let data = envelope.data;
    if (envelope.delta) {
      if (this.delta !== 'fossil') return 'stale';
      const rebuilt = this.applyFossil(envelope.delta, pos);
      if (rebuilt === undefined) return this.deltaFailed();
      ({ dataJson, data } = rebuilt);
    }
    if (this.delta) this.base = { pos, dataJson: dataJson ?? envelopeDataJson(raw) ?? 'null', envelope: envelope.delta ? undefined : unmarkSnapshot(raw) };
    this.position = pos;
    const replayed = this.replaysExpected > 0;
    if (replayed) this.replaysExpected--;
    const message: StreamMessage<T> = {
      channel: this.channel,
      pos,
      ts: envelope.ts,
      data: data as T,
      replayed,
      snapshot: envelope.snapshot === true,
      ...(envelope.checksum === undefined ? {} : { checksum: envelope.checksum }),
    };
    for (const handler of this.handlers) handler(message);
    for (const reader of this.readers) reader.push(message);
    return 'accepted';
  }

  /**
   * @internal A zlib frame's envelope text (zlib-frames.ts): a delta with `"delta":"deflate"`,
   * a full one also with `compress`. Undefined when it is stale (this subscription no longer takes
   * such frames), 'delta-failed' when it cannot be rebuilt.
   */
  inflate(frame: ZlibFrame): string | 'delta-failed' | undefined {
    const takes = this.delta === 'deflate' || (this.compress && frame.kind === ZlibFrameKind.FULL);
    if (!takes) return undefined;
    return inflateZlibFrame(frame, this.base, this.maxMessageBytes) ?? this.deltaFailed();
  }

  /** Never shown: the caller starts the channel again from a full snapshot, with plain messages. */
  deltaFailed(): 'delta-failed' {
    this.forgetPosition();
    this.delta = undefined;
    this.compress = false;
    return 'delta-failed';
  }

  /** @internal The stream starts again from a snapshot: whatever its position, the snapshot is taken. */
  forgetPosition(): void {
    this.position = undefined;
    this.base = undefined;
  }

  /** The data a Fossil delta rebuilds, or undefined when it does not apply: another base, a bad checksum, not JSON. */
  private applyFossil(delta: { base: number; fossil: string }, pos: StreamPosition): { dataJson: string; data: unknown } | undefined {
    const base = this.base;
    if (base === undefined || base.pos.partition !== pos.partition || base.pos.offset !== delta.base) return undefined;
    try {
      // A delta names its output's size first: past the bound, it is not applied at all.
      if (getStringDeltaTargetSize(delta.fossil) > this.maxMessageBytes) return undefined;
      const dataJson = applyStringDelta(base.dataJson, delta.fossil, { verifyChecksum: true });
      return { dataJson, data: JSON.parse(dataJson) };
    } catch {
      return undefined;
    }
  }

  /**
   * @internal The client closed: its loops end. A subscription never acknowledged rejects `ready`
   * with `error`, the reason the client gave up (E_CLIENT_CLOSED after a plain close()).
   */
  clientClosed(error?: ClientError): void {
    this.settleReady(error ?? clientError('E_CLIENT_CLOSED', 'the client closed before the server acknowledged the subscription', { value: this.channel }));
    this.end();
  }

  /** @internal The subscription ended (for a loop, `error` if it failed). */
  end(error?: Error, reason: SubscriptionEvents['unsubscribed']['reason'] = 'closed', state: SubscriptionState = 'unsubscribed'): void {
    if (this.ended) return;
    this.ended = true;
    this.settleReady(error ?? clientError('E_CLIENT_CLOSED', 'the subscription ended before the server acknowledged it', { value: this.channel }));
    for (const reader of this.readers) reader.finish(error);
    this.readers.clear();
    this.setState(state);
    if (state === 'unsubscribed') this.emit('unsubscribed', { reason });
  }

  private setState(state: SubscriptionState): void {
    if (state === this.state) return;
    this.state = state;
    this.emit('state', state);
  }
}

/** One `for await` over a subscription: a queue between pushes and pulls. */
class IteratorReader<T> implements AsyncIterator<StreamMessage<T>> {
  private readonly queue: Array<StreamMessage<T>> = [];
  private waiting: { resolve: (result: IteratorResult<StreamMessage<T>>) => void; reject: (error: Error) => void } | undefined;
  private finished = false;
  private failure: Error | undefined;

  constructor(
    private readonly limit: number,
    private readonly onDone: () => void,
  ) {}

  push(message: StreamMessage<T>): void {
    if (this.waiting) {
      const { resolve } = this.waiting;
      this.waiting = undefined;
      resolve({ value: message, done: false });
      return;
    }
    if (this.queue.length >= this.limit) {
      // Dropping silently would be a gap the caller cannot see: fail the loop instead.
      this.finish(clientError('E_ITERATOR_OVERFLOW', `the loop fell ${this.limit} messages behind; read faster or use onMessage`, { value: this.limit }));
      this.onDone();
      return;
    }
    this.queue.push(message);
  }

  finish(error?: Error): void {
    if (this.finished) return;
    this.finished = true;
    this.failure = error;
    if (this.waiting) {
      const { resolve, reject } = this.waiting;
      this.waiting = undefined;
      if (error) reject(error);
      else resolve({ value: undefined, done: true });
    }
  }

  next(): Promise<IteratorResult<StreamMessage<T>>> {
    const message = this.queue.shift();
    if (message) return Promise.resolve({ value: message, done: false });
    if (this.finished) return this.failure ? Promise.reject(this.failure) : Promise.resolve({ value: undefined, done: true });
    return new Promise((resolve, reject) => (this.waiting = { resolve, reject }));
  }

  return(): Promise<IteratorResult<StreamMessage<T>>> {
    this.queue.length = 0;
    this.finish();
    this.onDone();
    return Promise.resolve({ value: undefined, done: true });
  }
}
