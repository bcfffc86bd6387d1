import { MAX_TOKEN_LENGTH } from './auth.js';
import { BOOK_DEPTHS, type BookDepth } from './book.js';
import { isValidSubscriptionName, RATE_VARIANT_INTERVALS_MS } from './channel.js';
import { ProtocolErrorCode } from './error-codes.js';
import { isCount, isPlainObject } from './json-guards.js';
import type { StreamPosition } from './recovery.js';
import { type RequestId, withId } from './request-id.js';

export type { RequestId };

/**
 * How a subscription takes a state channel's records: `fossil`, each as a Fossil delta from the
 * previous one in a JSON envelope; `deflate`, each as a binary frame compressed against the previous
 * one (zlib-frame.ts).
 */
export const DELTA_FORMATS = ['fossil', 'deflate'] as const;
export type DeltaFormat = (typeof DELTA_FORMATS)[number];

function isDeltaFormat(value: unknown): value is DeltaFormat {
  return DELTA_FORMATS.includes(value as DeltaFormat);
}

export type ClientRequest =
  | {
      type: 'subscribe';
      channels: string[];
      since?: Record<string, StreamPosition>;
      snapshot?: boolean;
      delta?: DeltaFormat;
      compress?: 'deflate';
      /** Top-of-book depth: the request's maintained books come as top-N BOOK_SNAPSHOTs (docs/market-data.md). */
      depth?: BookDepth;
      id?: RequestId;
    }
  | { type: 'unsubscribe'; channels: string[]; id?: RequestId }
  | { type: 'heartbeat'; id?: RequestId }
  | { type: 'ping'; id?: RequestId }
  | { type: 'reconnect'; id?: RequestId }
  | { type: 'refresh'; token: string; id?: RequestId };

export interface DecodeFailure {
  code: ProtocolErrorCode;
  message: string;
  id?: RequestId;
  /** The offending value, for the error reply and the metric label. */
  value?: string;
}

export type DecodeResult = { ok: true; request: ClientRequest } | { ok: false; error: DecodeFailure };

const MAX_ID_LENGTH = 64;

/**
 * Turns one client text frame into a request, or a failure saying exactly what was wrong.
 * It never throws: hostile input is the normal case here, so it is a return value.
 *
 * Accepts both shapes the seed system's clients send:
 *   {"type":"subscribe","data":{"channels":[...]}}   (current clients)
 *   {"type":"subscribe","channels":[...]}            (older clients)
 * A subscribe may add `since`, the last position seen per channel, to resume those channels, and
 * `snapshot: true`, to be sent each state channel's latest envelope right after the ack, and
 * `delta: "fossil"` or `"deflate"`, to get state channels' records as deltas from the previous one,
 * and `compress: "deflate"`, to get the other channels' records as deflate frames.
 *
 * `limits.maxChannels` (a shard's --max-subscriptions): a request naming more channels is refused
 * here, TOO_MANY_CHANNELS, before any name is checked or kept: no request can cost more than one
 * connection may hold.
 */
export function decodeClientMessage(text: string, limits: { maxChannels?: number } = {}): DecodeResult {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return fail(ProtocolErrorCode.BAD_JSON, 'message is not valid JSON');
  }
  if (!isPlainObject(parsed)) return fail(ProtocolErrorCode.BAD_MESSAGE, 'message must be a JSON object');

  const id = parsed['id'];
  if (id !== undefined && !isValidId(id)) {
    return fail(ProtocolErrorCode.BAD_MESSAGE, `"id" must be a string of at most ${MAX_ID_LENGTH} characters or a safe integer`);
  }
  const requestId = id as RequestId | undefined;
  const type = parsed['type'];
  if (typeof type !== 'string') return fail(ProtocolErrorCode.BAD_MESSAGE, '"type" must be a string', requestId);

  switch (type) {
    case 'subscribe': {
      const channels = readChannels(parsed, limits.maxChannels);
      if (!channels.ok) return { ok: false, error: { ...channels.error, ...withId(requestId) } };
      const since = readSince(parsed, channels.value);
      if (!since.ok) return { ok: false, error: { ...since.error, ...withId(requestId) } };
      const snapshot = field(parsed, 'snapshot');
      if (snapshot !== undefined && typeof snapshot !== 'boolean') return fail(ProtocolErrorCode.BAD_MESSAGE, '"snapshot" must be true or false', requestId);
      const delta = field(parsed, 'delta');
      if (delta !== undefined && !isDeltaFormat(delta)) return fail(ProtocolErrorCode.BAD_MESSAGE, '"delta" must be "fossil" or "deflate"', requestId);
      const compress = field(parsed, 'compress');
      if (compress !== undefined && compress !== 'deflate') return fail(ProtocolErrorCode.BAD_MESSAGE, '"compress" must be "deflate"', requestId);
      const depth = field(parsed, 'depth');
      if (depth !== undefined && !BOOK_DEPTHS.includes(depth as BookDepth))
        return fail(ProtocolErrorCode.BAD_MESSAGE, `"depth" must be one of ${BOOK_DEPTHS.join(', ')}`, requestId);
      return {
        ok: true,
        request: {
          type,
          channels: channels.value,
          ...(since.value ? { since: since.value } : {}),
          ...(snapshot ? { snapshot } : {}),
          ...(delta ? { delta } : {}),
          ...(compress ? { compress } : {}),
          ...(depth === undefined ? {} : { depth: depth as BookDepth }),
          ...withId(requestId),
        },
      };
    }
    case 'unsubscribe': {
      const channels = readChannels(parsed, limits.maxChannels);
      if (!channels.ok) return { ok: false, error: { ...channels.error, ...withId(requestId) } };
      return { ok: true, request: { type, channels: channels.value, ...withId(requestId) } };
    }
    case 'refresh': {
      const token = field(parsed, 'token');
      if (typeof token !== 'string' || token === '' || token.length > MAX_TOKEN_LENGTH) {
        return fail(ProtocolErrorCode.BAD_MESSAGE, `"token" must be a string of 1-${MAX_TOKEN_LENGTH} characters`, requestId);
      }
      return { ok: true, request: { type, token, ...withId(requestId) } };
    }
    case 'heartbeat':
    case 'ping':
    case 'reconnect':
      return { ok: true, request: { type, ...withId(requestId) } };
    default:
      return {
        ok: false,
        error: { code: ProtocolErrorCode.UNKNOWN_TYPE, message: `unknown message type`, value: truncate(type), ...withId(requestId) },
      };
  }
}

type Read<T> = { ok: true; value: T } | { ok: false; error: DecodeFailure };

/** A field of the request, read from `data` (current shape) or from the top level (older shape). */
function field(message: Record<string, unknown>, name: string): unknown {
  const data = message['data'];
  return isPlainObject(data) && data[name] !== undefined ? data[name] : message[name];
}

function readChannels(message: Record<string, unknown>, maxChannels = Number.POSITIVE_INFINITY): Read<string[]> {
  const raw = field(message, 'channels');
  if (!Array.isArray(raw) || raw.length === 0) {
    return { ok: false, error: { code: ProtocolErrorCode.BAD_MESSAGE, message: '"channels" must be a non-empty array of strings' } };
  }
  if (raw.length > maxChannels) {
    return {
      ok: false,
      error: {
        code: ProtocolErrorCode.TOO_MANY_CHANNELS,
        message: `a request may name at most ${maxChannels} channels (the subscription limit); this one names ${raw.length}. Nothing of it was done`,
      },
    };
  }
  const unique = new Set<string>();
  for (const channel of raw) {
    if (!isValidSubscriptionName(channel)) {
      return {
        ok: false,
        error: {
          code: ProtocolErrorCode.INVALID_CHANNEL,
          message: `channel names are 1-128 characters of A-Z a-z 0-9 . _ : - starting with a letter or digit; a rate variant adds @<n>ms, n one of ${RATE_VARIANT_INTERVALS_MS.join(', ')}`,
          value: truncate(typeof channel === 'string' ? channel : (JSON.stringify(channel) ?? String(channel))),
        },
      };
    }
    unique.add(channel);
  }
  return { ok: true, value: [...unique] };
}

/** `since`: {"<channel>": {"partition": p, "offset": o}}, only for channels named in the same request. */
function readSince(message: Record<string, unknown>, channels: string[]): Read<Record<string, StreamPosition> | undefined> {
  const raw = field(message, 'since');
  if (raw === undefined) return { ok: true, value: undefined };
  const invalid = (message: string, value?: string): Read<never> => ({
    ok: false,
    error: { code: ProtocolErrorCode.INVALID_POSITION, message, ...(value === undefined ? {} : { value: truncate(value) }) },
  });
  if (!isPlainObject(raw)) return invalid('"since" must be an object of channel -> {"partition","offset"}');
  const since: Record<string, StreamPosition> = {};
  for (const [channel, position] of Object.entries(raw)) {
    if (!channels.includes(channel)) return invalid('"since" names a channel that is not in "channels"', channel);
    if (!isPlainObject(position)) return invalid('a position must be {"partition":<int>,"offset":<int>}', channel);
    const { partition, offset } = position;
    if (!isCount(partition) || !isCount(offset)) {
      return invalid('"partition" and "offset" must be non-negative safe integers', `${channel}: ${JSON.stringify(position)}`);
    }
    since[channel] = { partition, offset };
  }
  return { ok: true, value: since };
}

function fail(code: ProtocolErrorCode, message: string, id?: RequestId): DecodeResult {
  return { ok: false, error: { code, message, ...withId(id) } };
}

function isValidId(id: unknown): boolean {
  return (typeof id === 'string' && id.length <= MAX_ID_LENGTH) || Number.isSafeInteger(id);
}

/** Echoed values are cut short so an error reply can never be larger than a sane request. */
function truncate(value: string): string {
  return value.length > 140 ? `${value.slice(0, 140)}…` : value;
}
