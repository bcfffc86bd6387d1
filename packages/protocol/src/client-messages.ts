import { isValidChannel } from './channel.js';
import { ProtocolErrorCode } from './error-codes.js';
import { withId, type RequestId } from './request-id.js';

export type { RequestId };


export type ClientRequest =
  | { type: 'subscribe'; channels: string[]; id?: RequestId }
  | { type: 'unsubscribe'; channels: string[]; id?: RequestId }
  | { type: 'heartbeat'; id?: RequestId }
  | { type: 'ping'; id?: RequestId }
  | { type: 'reconnect'; id?: RequestId };

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
 */
export function decodeClientMessage(text: string): DecodeResult {
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
    case 'subscribe':
    case 'unsubscribe': {
      const channels = readChannels(parsed);
      if (!channels.ok) return { ok: false, error: { ...channels.error, ...withId(requestId) } };
      return { ok: true, request: { type, channels: channels.value, ...withId(requestId) } };
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

function readChannels(message: Record<string, unknown>): { ok: true; value: string[] } | { ok: false; error: DecodeFailure } {
  const data = message['data'];
  const raw = isPlainObject(data) && data['channels'] !== undefined ? data['channels'] : message['channels'];
  if (!Array.isArray(raw) || raw.length === 0) {
    return { ok: false, error: { code: ProtocolErrorCode.BAD_MESSAGE, message: '"channels" must be a non-empty array of strings' } };
  }
  const unique = new Set<string>();
  for (const channel of raw) {
    if (!isValidChannel(channel)) {
      return {
        ok: false,
        error: {
          code: ProtocolErrorCode.INVALID_CHANNEL,
          message: 'channel names are 1-128 characters of A-Z a-z 0-9 . _ : - starting with a letter or digit',
          value: truncate(typeof channel === 'string' ? channel : JSON.stringify(channel) ?? String(channel)),
        },
      };
    }
    unique.add(channel);
  }
  return { ok: true, value: [...unique] };
}

function fail(code: ProtocolErrorCode, message: string, id?: RequestId): DecodeResult {
  return { ok: false, error: { code, message, ...withId(id) } };
}

function isValidId(id: unknown): boolean {
  return (typeof id === 'string' && id.length <= MAX_ID_LENGTH) || Number.isSafeInteger(id);
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Echoed values are cut short so an error reply can never be larger than a sane request. */
function truncate(value: string): string {
  return value.length > 140 ? `${value.slice(0, 140)}…` : value;
}
