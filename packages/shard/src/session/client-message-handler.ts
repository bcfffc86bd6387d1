import type { TokenVerifier } from '@odin-ws/auth';
import {
  type BookDepth,
  baseChannelOf,
  type ClientRequest,
  CloseCode,
  type DecodeFailure,
  decodeClientMessage,
  encodeError,
  encodePong,
  encodeReconnectError,
  encodeRefreshAck,
  encodeSubscriptionAck,
  encodeUnsubscriptionAck,
  formatCloseReason,
  markSnapshot,
  ProtocolErrorCode,
  type StreamPosition,
  withId,
} from '@odin-ws/protocol';
import type { BookDepthPublisher, ChannelForm, Conflator } from '../delivery/index.js';
import type { ShardMetrics } from '../shard-metrics.js';
import type { AheadPositions, ChannelHistory, LastValues, OrderBooks, StateChannels } from '../state/index.js';
import { type ClientSocket, type QueuedRequest, replayBudget, takeMessageTokens, takeReplayBytes } from './client-state.js';
import type { SlowClientGuard } from './slow-clients.js';
import type { SubjectReplayBudgets } from './subject-replay-budgets.js';
import { formChannelsOf, grantRefusal, planSubscribe, type SubscribeRequest } from './subscribe-plan.js';
import type { SubscriptionIndex } from './subscriptions.js';

export interface ClientMessageHandlerOptions {
  subscriptions: SubscriptionIndex;
  /** --max-subscriptions: channels one connection may hold. */
  maxSubscriptions: number;
  stateChannels: StateChannels;
  /** The delivery forms this shard offers (--delivery-forms). */
  offeredForms: ReadonlySet<ChannelForm>;
  /** Each user's replay allowance over its connections on this shard. */
  subjectReplayBudgets: SubjectReplayBudgets;
  history: ChannelHistory;
  /** The latest envelope of each state channel, sent on a subscribe that asks for snapshots. */
  lastValues: LastValues;
  /** The maintained books: which are stale, for the ack. */
  books: OrderBooks;
  /** Their top-N depths: told of each top-N sent as a snapshot. */
  bookDepths?: Pick<BookDepthPublisher, 'sentSnapshot'>;
  /** Rate variants (`BTC.book@1000ms`): told of each one subscribed, so its interval's timer runs. */
  conflator: Conflator;
  slowClients: SlowClientGuard;
  metrics: ShardMetrics;
  clientRateLimit: number;
  maxMessageSize: number;
  /** permessage-deflate on: replayed and snapshot envelopes go compressed to clients that negotiated it. */
  permessageDeflate: boolean;
  maxReplayBytes: number;
  backpressureLimit: number;
  /** Undefined: no authentication; a `refresh` is answered AUTH_DISABLED. */
  verifier: TokenVerifier | undefined;
  /** Whether a socket is still open (after an asynchronous step). */
  isOpen: (ws: ClientSocket) => boolean;
  /** Where a resume whose positions are past the partitions' ends waits (ahead-positions.ts). */
  aheadPositions: AheadPositions;
}

/**
 * Requests a connection may send while its resume waits (ahead-positions.ts), and their bytes as
 * sent; they are answered in order after it. Past either, BAD_MESSAGE: the rate limit bounds how
 * fast they come, these bound what one connection holds meanwhile (a decoded subscribe of 2,000
 * names takes ~3.5x its text in heap: 64 KiB of requests is a few hundred KiB, not megabytes).
 */
const MAX_QUEUED_REQUESTS = 64;
const MAX_QUEUED_BYTES = 64 * 1024;

const RATE_LIMIT_NOTICE_INTERVAL_MS = 1000;
/** The `value` of a refresh refused because its token names another subject than the connection's. */
const SUBJECT_CHANGED = 'SUBJECT_CHANGED';
/**
 * Pattern checks one message's token pays for (a check costs up to about 0.5 us, a plain message
 * some tens of us). A subscribe needing more pays one more token per this many.
 */
const PATTERN_CHECKS_PER_MESSAGE = 100;
/**
 * Channels taken in a delivery form one message's token pays for: each costs the shard a delta or a
 * compression per record for as long as it is held (the frame is shared, the work is not free).
 */
const FORM_CHANNELS_PER_MESSAGE = 10;
const MESSAGE_TOO_BIG_REASON = formatCloseReason({ code: 'MESSAGE_TOO_BIG' });
/** The seed's `reconnect` carried one offset per topic, which names no position among 12 partitions. */
const RECONNECT_UNSUPPORTED =
  'a per-topic offset does not name a position; resume with a subscribe that carries "since" positions (docs/protocol.md, Recovery)';

/**
 * Answers one client frame. Every path ends in exactly one reply (an ack, a pong or an error) or,
 * past the rate limit, in silence after one notice per second, so a flood cannot make the server
 * amplify it. Runs inside the uWS message handler, where sends are already corked.
 */
export class ClientMessageHandler {
  private readonly metrics: ShardMetrics;

  constructor(private readonly options: ClientMessageHandlerOptions) {
    this.metrics = options.metrics;
  }

  onMessage(ws: ClientSocket, message: ArrayBuffer, isBinary: boolean): void {
    const state = ws.getUserData();
    if (message.byteLength > this.options.maxMessageSize) {
      state.closeReason = 'message_too_big';
      this.metrics.badMessages.inc({ reason: 'MESSAGE_TOO_BIG' });
      ws.end(CloseCode.MESSAGE_TOO_BIG, MESSAGE_TOO_BIG_REASON);
      return;
    }
    const now = Date.now();
    if (!takeMessageTokens(state, this.options.clientRateLimit, now)) {
      this.metrics.badMessages.inc({ reason: ProtocolErrorCode.RATE_LIMIT_EXCEEDED });
      if (now - state.rateLimitNoticeAt >= RATE_LIMIT_NOTICE_INTERVAL_MS) {
        state.rateLimitNoticeAt = now;
        ws.send(
          encodeError({
            code: ProtocolErrorCode.RATE_LIMIT_EXCEEDED,
            message: `more than ${this.options.clientRateLimit} messages per second; excess dropped`,
          }),
        );
      }
      return;
    }
    if (isBinary) {
      this.reject(ws, { code: ProtocolErrorCode.BINARY_NOT_SUPPORTED, message: 'requests are JSON text; a binary frame from a client is not one' });
      return;
    }
    const decoded = decodeClientMessage(Buffer.from(message).toString('utf8'), { maxChannels: this.options.maxSubscriptions });
    if (!decoded.ok) {
      this.reject(ws, decoded.error);
      return;
    }
    this.metrics.clientMessages.inc({ type: decoded.request.type });
    this.dispatch(ws, { request: decoded.request, bytes: message.byteLength });
  }

  private dispatch(ws: ClientSocket, { request, bytes }: QueuedRequest): void {
    const { queued } = ws.getUserData();
    if (queued) {
      // A resume of this connection waits: this request is answered after it, in order.
      const queuedBytes = queued.reduce((sum, entry) => sum + entry.bytes, 0);
      if (queued.length < MAX_QUEUED_REQUESTS && queuedBytes + bytes <= MAX_QUEUED_BYTES) queued.push({ request, bytes });
      else
        this.reject(ws, {
          code: ProtocolErrorCode.BAD_MESSAGE,
          message: `more than ${MAX_QUEUED_REQUESTS} requests or ${MAX_QUEUED_BYTES} bytes behind a resume in progress`,
          ...withId(request.id),
        });
      return;
    }
    switch (request.type) {
      case 'subscribe':
        this.subscribe(ws, request);
        return;
      case 'unsubscribe': {
        const result = this.options.subscriptions.unsubscribe(ws, request.channels);
        ws.send(encodeUnsubscriptionAck(result.unsubscribed, result.count, request.id));
        return;
      }
      case 'heartbeat':
      case 'ping':
        ws.send(encodePong(Date.now(), request.id));
        return;
      case 'reconnect':
        ws.send(encodeReconnectError(RECONNECT_UNSUPPORTED, request.id));
        return;
      case 'refresh':
        this.refresh(ws, request);
        return;
    }
  }

  /**
   * A new token for an open connection: its expiry moves, and channels the new token no longer
   * grants are unsubscribed (listed in the ack's `revoked`; a rate variant by the channel it
   * conflates, as on subscribe). A token that does not verify, or that names another subject than
   * the connection's (`sub`, or its absence), changes nothing: the connection still closes when the
   * old one expires. Without the subject check, accounts each under their own connection cap could
   * all take on one premium token's grants, and that user's cap would never be charged.
   */
  private refresh(ws: ClientSocket, request: Extract<ClientRequest, { type: 'refresh' }>): void {
    const { verifier, metrics } = this.options;
    if (!verifier) {
      this.reject(ws, { code: ProtocolErrorCode.AUTH_DISABLED, message: 'this server does not check tokens', ...withId(request.id) });
      return;
    }
    void verifier.verify(request.token).then((result) => {
      // Verification is asynchronous: the socket may have closed meanwhile, and uWS throws on a closed one.
      if (!this.options.isOpen(ws)) return;
      ws.cork(() => {
        if (!result.ok) {
          metrics.authRefusals.inc({ code: result.code });
          this.reject(ws, { code: ProtocolErrorCode.TOKEN_REFUSED, message: result.message, value: result.code, ...withId(request.id) });
          return;
        }
        const state = ws.getUserData();
        if (result.identity.subject !== state.subject) {
          metrics.authRefusals.inc({ code: SUBJECT_CHANGED });
          this.reject(ws, {
            code: ProtocolErrorCode.TOKEN_REFUSED,
            message: "a refresh must carry a token for the connection's own subject (sub); nothing changed",
            value: SUBJECT_CHANGED,
            ...withId(request.id),
          });
          return;
        }
        state.expiresAt = result.identity.expiresAt;
        state.grants = result.identity.grants;
        const revoked = [...state.channels].filter((channel) => !result.identity.grants.allows(baseChannelOf(channel)));
        if (revoked.length > 0) this.options.subscriptions.unsubscribe(ws, revoked);
        ws.send(encodeRefreshAck(state.expiresAt, revoked, request.id));
      });
    });
  }

  /**
   * Charges a subscribe for what it costs besides its message: the pattern checks its channels
   * need, and the channels it takes in a delivery form. A claim may hold up to 32 patterns with `*`
   * (channel-grants.ts), and checking 100 channels against the costliest of them took 1 ms: ten
   * connections of one token, at the message rate, held the shard's other clients' pings at 16 ms
   * (p99) against 4 ms with a plain claim. Charged, a claim full of patterns, or a subscribe full of
   * deltas, buys no more of the shard than plain messages do. Never charged more than the bucket can
   * hold, so any subscribe can pass once the client slows down.
   */
  private payForCost(ws: ClientSocket, request: SubscribeRequest): boolean {
    const state = ws.getUserData();
    const patternChecks = request.channels.length * (state.grants?.patternChecksPerChannel ?? 0);
    const { stateChannels, offeredForms, books } = this.options;
    const formChannels = formChannelsOf(request, {
      isStateChannel: (name) => stateChannels.has(name),
      offered: offeredForms,
      isBook: (name) => books.has(name),
    });
    const rate = this.options.clientRateLimit;
    const cost = Math.floor(patternChecks / PATTERN_CHECKS_PER_MESSAGE) + Math.floor(formChannels / FORM_CHANNELS_PER_MESSAGE);
    const extra = Math.min(cost, rate * 2 - 1);
    if (extra === 0 || takeMessageTokens(state, rate, Date.now(), extra)) return true;
    this.reject(ws, {
      code: ProtocolErrorCode.RATE_LIMIT_EXCEEDED,
      message: `this subscribe (${request.channels.length} channels against your token's ${state.grants?.patternChecksPerChannel ?? 0} patterns, ${formChannels} of them in a delivery form) counts as ${extra} more messages, over the rate limit of ${rate} per second; nothing of this request was subscribed`,
      ...withId(request.id),
    });
    return false;
  }

  /**
   * Carries out the subscribe's plan (subscribe-plan.ts decides: channels and forms, replay,
   * snapshots, ack or refusal): holds the channels, then sends the ack and what follows it.
   * No gap and no duplicate between replay or snapshot and live: the history and the last values
   * hold every record published so far, and this all runs in one synchronous handler, so the next
   * publish reaches the socket after them and is not in them.
   */
  private subscribe(ws: ClientSocket, request: SubscribeRequest, waited = false): void {
    if (!waited && !this.payForCost(ws, request)) return;
    // Before any wait: an ungranted channel is refused at once, never after holding the connection.
    const denied = waited ? undefined : grantRefusal(request, ws.getUserData().grants);
    if (denied) {
      this.reject(ws, denied);
      return;
    }
    if (!waited && request.since !== undefined && this.resumesAhead(ws, request.since)) {
      this.waitForPositions(ws, request);
      return;
    }
    const state = ws.getUserData();
    const { history, lastValues, stateChannels, books } = this.options;
    const now = Date.now();
    const plan = planSubscribe(request, {
      held: state.channels,
      heldForms: state.channelForms,
      grants: state.grants,
      maxSubscriptions: this.options.maxSubscriptions,
      isStateChannel: (name) => stateChannels.has(name),
      offered: this.options.offeredForms,
      allowance: this.replayAllowance(ws, now),
      recover: (channel, position, at) => history.recover(channel, position, at),
      snapshotOf: (channel) => lastValues.snapshotOf(channel),
      isStale: (channel) => books.isStale(channel),
      isBook: (channel) => books.has(channel),
      depthSnapshotOf: (name, depth) => {
        const envelope = books.depthAs(baseChannelOf(name), depth, name);
        if (envelope !== undefined) this.options.bookDepths?.sentSnapshot(name, depth as BookDepth);
        return envelope === undefined ? undefined : markSnapshot(envelope);
      },
      now,
    });
    if (!plan.ok) {
      this.reject(ws, plan.error);
      return;
    }
    this.options.subscriptions.subscribe(ws, plan.add);
    for (const variant of plan.variants) this.options.conflator.subscribed(variant);
    ws.send(encodeSubscriptionAck(plan.ack));
    for (const frame of plan.frames) ws.send(frame, false, this.options.permessageDeflate);
    this.chargeReplay(ws, plan.bytes);
    if (plan.replay) {
      for (const outcome of Object.values(plan.replay.recovery)) this.metrics.recoveries.inc({ result: outcome.recovered ? 'recovered' : outcome.reason });
      this.metrics.replayedFrames.inc(plan.replay.frames.length);
    }
    if (plan.snapshots) this.metrics.snapshotsSent.inc(plan.snapshots.frames.length);
  }

  /** Replayed and snapshot bytes come out of the connection's and its user's replay budgets, and the slow-client guard lets them through. */
  private chargeReplay(ws: ClientSocket, bytes: number): void {
    if (bytes === 0) return;
    const state = ws.getUserData();
    takeReplayBytes(state, bytes);
    this.options.subjectReplayBudgets.take(state.subject, bytes, Date.now());
    this.options.slowClients.allowReplay(ws, bytes);
    this.metrics.replayedBytes.inc(bytes);
  }

  /** Whether a resume names, for a channel this connection does not hold yet, a position past its partition's end. */
  private resumesAhead(ws: ClientSocket, since: Record<string, StreamPosition>): boolean {
    const { channels } = ws.getUserData();
    for (const channel in since) if (!channels.has(channel) && this.options.history.isAhead(channel, since[channel]!)) return true;
    return false;
  }

  /**
   * Holds a resume until this shard has fetched up to its positions, or long enough to know they
   * name no record (ahead-positions.ts); the connection's later requests wait behind it. Nothing
   * is subscribed meanwhile, so no live record can reach the client before its ack.
   */
  private waitForPositions(ws: ClientSocket, request: SubscribeRequest): void {
    const state = ws.getUserData();
    state.queued = [];
    const { isOpen } = this.options;
    void this.options.aheadPositions
      .wait(() => !isOpen(ws) || !this.resumesAhead(ws, request.since!))
      .then(() => {
        const queued = state.queued ?? [];
        state.queued = undefined;
        // The socket may have closed meanwhile, and uWS throws on a closed one.
        if (!isOpen(ws)) return;
        ws.cork(() => {
          this.subscribe(ws, request, true);
          for (const [index, next] of queued.entries()) {
            // A later resume may wait in its turn: what follows it waits behind it.
            if (state.queued) {
              state.queued.push(...queued.slice(index));
              return;
            }
            this.dispatch(ws, next);
          }
        });
      });
  }

  /**
   * What one more replay may add for this connection, now: the smallest of the per-request cap
   * (--max-replay-bytes), what is left of the connection's and its user's replay budgets this second (the same
   * amount per second, so replays cannot be pulled faster than that), and the room left under
   * --backpressure-limit plus one request's worth, counting what the socket already holds unsent.
   * The last is checked here, at once, and not by the slow-client sweep a tenth of a second later:
   * a burst of subscribe/unsubscribe pairs from a client that does not read could otherwise queue
   * dozens of replays in between.
   */
  private replayAllowance(ws: ClientSocket, now: number): number {
    const { maxReplayBytes, backpressureLimit, subjectReplayBudgets } = this.options;
    const state = ws.getUserData();
    const budget = Math.min(replayBudget(state, maxReplayBytes, now), subjectReplayBudgets.available(state.subject, now));
    const room = backpressureLimit + maxReplayBytes - ws.getBufferedAmount();
    return Math.max(0, Math.min(maxReplayBytes, budget, room));
  }

  private reject(ws: ClientSocket, error: DecodeFailure): void {
    this.metrics.badMessages.inc({ reason: error.code });
    ws.send(encodeError(error));
  }
}
