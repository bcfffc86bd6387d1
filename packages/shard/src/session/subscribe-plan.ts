import {
  type BookDepth,
  baseChannelOf,
  type ClientRequest,
  type DecodeFailure,
  ProtocolErrorCode,
  type StreamPosition,
  type SubscriptionAck,
  withId,
} from '@odin-ws/protocol';
import { type ChannelForm, depthForm, formsAskedBy, requestedForm } from '../delivery/index.js';
import { planReplay, planSnapshots, type RecoveryResult, type ReplayPlan, type SnapshotPlan } from '../state/index.js';

export type SubscribeRequest = Extract<ClientRequest, { type: 'subscribe' }>;

/** What a subscribe is decided against: the connection as it is, and read-only views of the shard's state. */
export interface SubscribeContext {
  /** The channels the connection holds now. */
  held: ReadonlySet<string>;
  /** The form of each held channel taken in one (the others are plain). */
  heldForms: ReadonlyMap<string, ChannelForm> | undefined;
  /** What the connection's token grants; undefined without authentication (every channel). */
  grants: { firstDenied(channels: Iterable<string>): string | undefined } | undefined;
  /** --max-subscriptions: channels one connection may hold. */
  maxSubscriptions: number;
  isStateChannel: (name: string) => boolean;
  /** The delivery forms this shard offers (--delivery-forms). */
  offered: ReadonlySet<ChannelForm>;
  /** Bytes of replay and snapshots this request may send (the connection's replay allowance, now). */
  allowance: number;
  /** ChannelHistory.recover. */
  recover: (channel: string, position: StreamPosition, now: number) => RecoveryResult;
  /** LastValues.snapshotOf. */
  snapshotOf: (channel: string) => string | undefined;
  /** A maintained book's top `depth` levels as a snapshot under `name` (OrderBooks.depthAs, marked). */
  depthSnapshotOf?: (name: string, depth: BookDepth) => string | undefined;
  /** Whether a channel (or the one a variant conflates) is a maintained book gone stale (order-books.ts). */
  isStale?: (channel: string) => boolean;
  /**
   * Whether a channel is a maintained book: its records are already only what changed, and a delta
   * applies to the previous record, which is not the book a subscriber starts from; so a book never
   * takes a delta form (compressed frames it may).
   */
  isBook?: (channel: string) => boolean;
  now: number;
}

/**
 * The refusal of a subscribe naming a channel the token does not grant, or undefined. Grants are
 * about channels: a rate variant is granted with the channel it conflates. Checked first, and before
 * any wait (a resume past a partition's end), so an ungranted channel costs the shard nothing.
 */
export function grantRefusal(request: SubscribeRequest, grants: SubscribeContext['grants']): DecodeFailure | undefined {
  if (grants === undefined) return undefined;
  const bases = request.channels.map(baseChannelOf);
  const deniedBase = grants.firstDenied(bases);
  if (deniedBase === undefined) return undefined;
  return {
    code: ProtocolErrorCode.CHANNEL_NOT_ALLOWED,
    message: 'your token does not grant this channel; nothing of this request was subscribed',
    value: request.channels[bases.indexOf(deniedBase)]!,
    ...withId(request.id),
  };
}

/** The form a channel the subscribe adds is held in: rate variants send one value per interval already and take none. */
function formOfNew(
  request: SubscribeRequest,
  channel: string,
  context: Pick<SubscribeContext, 'isStateChannel' | 'offered' | 'isBook'>,
): ChannelForm | undefined {
  const base = baseChannelOf(channel);
  // A book's top-N depth: on the book itself or on a rate variant of it.
  if (request.depth !== undefined && context.isBook?.(base) === true) return depthForm(request.depth);
  if (channel !== base) return undefined;
  return requestedForm(request, context.isStateChannel(channel) && context.isBook?.(channel) !== true, context.offered);
}

/** How many of a subscribe's channels would take a delivery form: each costs the shard work per record while held. */
export function formChannelsOf(request: SubscribeRequest, context: Pick<SubscribeContext, 'isStateChannel' | 'offered' | 'isBook'>): number {
  if (request.delta === undefined && request.compress === undefined) return 0;
  return request.channels.filter((channel) => formOfNew(request, channel, context) !== undefined).length;
}

/** A channel the subscribe adds, and the form it is held in (undefined: plain envelopes). */
export interface AddedChannel {
  channel: string;
  form: ChannelForm | undefined;
}

export type SubscribePlan =
  | { ok: false; error: DecodeFailure }
  | {
      ok: true;
      /** The channels to hold from now on, in request order. */
      add: AddedChannel[];
      /** The rate variants among the request's names: their interval timers must run. */
      variants: string[];
      ack: SubscriptionAck;
      replay: ReplayPlan | undefined;
      snapshots: SnapshotPlan | undefined;
      /** What follows the ack: the replay, then the snapshots. */
      frames: string[];
      /** Their bytes, charged to the connection's replay allowance. */
      bytes: number;
    };

/**
 * What a subscribe does, decided before anything is done: which channels it adds and in which form,
 * what is replayed or sent as a snapshot, the ack, or the one error that refuses all of it. Pure:
 * the handler (client-message-handler.ts) carries the plan out, and each rule is unit-tested here
 * without sockets. All or nothing: any refusal subscribes none of the request.
 */
export function planSubscribe(request: SubscribeRequest, context: SubscribeContext): SubscribePlan {
  const refuse = (code: ProtocolErrorCode, message: string, value?: string): SubscribePlan => ({
    ok: false,
    error: { code, message, ...(value === undefined ? {} : { value }), ...withId(request.id) },
  });
  const denied = grantRefusal(request, context.grants);
  if (denied) return { ok: false, error: denied };
  const bases = request.channels.map(baseChannelOf);
  const variants = request.channels.filter((name, index) => name !== bases[index]);
  const unconflatable = variants.find((name) => !context.isStateChannel(name));
  if (unconflatable !== undefined) {
    return refuse(
      ProtocolErrorCode.NOT_CONFLATABLE,
      'only state channels (--state-channels: tickers, books) have rate variants; every trade counts, so trades are never conflated. Nothing of this request was subscribed',
      unconflatable,
    );
  }
  const added = request.channels.filter((channel) => !context.held.has(channel));
  const count = context.held.size + added.length;
  if (count > context.maxSubscriptions) {
    return refuse(
      ProtocolErrorCode.TOO_MANY_CHANNELS,
      `subscription limit is ${context.maxSubscriptions} channels per connection; this request would make ${count}`,
    );
  }
  const add = added.map((channel) => ({
    channel,
    form: formOfNew(request, channel, context),
  }));
  const newForms = new Map(add.map(({ channel, form }) => [channel, form]));
  // A channel held before keeps its form.
  const formOf = (channel: string) => (context.held.has(channel) ? context.heldForms?.get(channel) : newForms.get(channel));

  const asked = formsAskedBy(request);
  const replay = request.since === undefined ? undefined : planReplay(context.recover, request.since, added, context.allowance, context.now);
  // A form that starts from a snapshot (a delta applies to the previous record) gets one whether or
  // not the request asked; a channel its replay recovered needs none.
  const startsFromSnapshot = (channel: string) => asked.some((form) => form.startsFromSnapshot && form.name === newForms.get(channel));
  const candidates = added.filter(
    (channel) => (request.snapshot === true || startsFromSnapshot(channel)) && context.isStateChannel(channel) && replay?.recovery[channel]?.recovered !== true,
  );
  // A channel taken at a depth starts from its top-N, not the whole book.
  const snapshotOf = (channel: string) =>
    request.depth !== undefined && newForms.get(channel) === depthForm(request.depth)
      ? context.depthSnapshotOf?.(channel, request.depth)
      : context.snapshotOf(channel);
  const snapshots =
    request.snapshot || asked.some((form) => form.startsFromSnapshot)
      ? planSnapshots(snapshotOf, candidates, context.allowance - (replay?.bytes ?? 0))
      : undefined;
  // Per form asked for, the ack lists the request's channels held in it (a channel held before keeps its form).
  const formLists: Pick<SubscriptionAck, 'deltas' | 'compressed'> = {};
  for (const form of asked) formLists[form.ackField] = request.channels.filter((channel) => formOf(channel) === form.name);
  return {
    ok: true,
    add,
    variants,
    ack: {
      subscribed: request.channels,
      count,
      id: request.id,
      recovery: replay?.recovery,
      snapshots: snapshots?.channels,
      ...formLists,
      stale: context.isStale ? added.filter((channel) => context.isStale!(baseChannelOf(channel))) : undefined,
    },
    replay,
    snapshots,
    frames: [...(replay?.frames ?? []), ...(snapshots?.frames ?? [])],
    bytes: (replay?.bytes ?? 0) + (snapshots?.bytes ?? 0),
  };
}
