import { clientFrame } from '@odin-ws/testkit';

/**
 * Every hostile input the suite sends, with the answer docs/hostile-input.md documents for it.
 * Where the two tiers answer differently the case says so per tier; the labels are what the
 * document lists (a test keeps the two in step).
 */
export type Answer =
  /** `{"type":"error","code":...}`, and the connection stays open. */
  | { error: string }
  /** A reply of this type (not an error), connection open. */
  | { reply: string }
  /** A close frame with this code (and reason code), then the connection closes. */
  | { close: number; reason?: string }
  /** The connection is cut with no close frame (a client sees 1006). */
  | { cut: true }
  /** An empty close frame (`88 00`), then the connection closes. */
  | { emptyClose: true }
  /** An HTTP answer with this status (and JSON `error` code). */
  | { http: number; code?: string }
  /** Nothing comes back and the connection stays open (until the heartbeat timeout cuts it). */
  | { ignored: true };

export type Tier = 'shard' | 'loadbalancer';

export type Send =
  | { text: string }
  | { binary: Buffer }
  /** Raw bytes after a real handshake. */
  | { frames: Buffer }
  /** Raw bytes on a fresh TCP connection, instead of a handshake. */
  | { http: string | Buffer };

export interface HostileCase {
  label: string;
  send: Send;
  answer: Answer | Record<Tier, Answer>;
}

const handshake = (headers: string, requestLine = 'GET /ws HTTP/1.1') => `${requestLine}\r\nHost: 127.0.0.1\r\n${headers}\r\n`;
const KEY = 'dGhlIHNhbXBsZSBub25jZQ==';
const WS_HEADERS = `Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: ${KEY}\r\nSec-WebSocket-Version: 13\r\n`;

export const HOSTILE_CASES: HostileCase[] = [
  // Messages: one error reply each, the connection stays open.
  { label: 'truncated JSON', send: { text: '{"type":"subscribe","channels":["BTC' }, answer: { error: 'BAD_JSON' } },
  { label: 'plain text', send: { text: 'hello there' }, answer: { error: 'BAD_JSON' } },
  { label: 'an empty text frame', send: { text: '' }, answer: { error: 'BAD_JSON' } },
  { label: 'a JSON array', send: { text: '[1,2]' }, answer: { error: 'BAD_MESSAGE' } },
  { label: 'JSON null', send: { text: 'null' }, answer: { error: 'BAD_MESSAGE' } },
  { label: 'a message without type', send: { text: '{"channels":["A.trade"]}' }, answer: { error: 'BAD_MESSAGE' } },
  { label: 'a numeric type', send: { text: '{"type":42}' }, answer: { error: 'BAD_MESSAGE' } },
  { label: 'an empty channel list', send: { text: '{"type":"subscribe","channels":[]}' }, answer: { error: 'BAD_MESSAGE' } },
  { label: 'an object as request id', send: { text: '{"type":"ping","id":{"a":1}}' }, answer: { error: 'BAD_MESSAGE' } },
  {
    label: 'a delta format other than fossil or deflate',
    send: { text: '{"type":"subscribe","data":{"channels":["A.book"],"delta":"xdelta"}}' },
    answer: { error: 'BAD_MESSAGE' },
  },
  {
    label: 'a compression other than deflate',
    send: { text: '{"type":"subscribe","data":{"channels":["A.trade"],"compress":"gzip"}}' },
    answer: { error: 'BAD_MESSAGE' },
  },
  {
    label: 'a rate variant at an interval not offered',
    send: { text: '{"type":"subscribe","channels":["BTC.book@300ms"]}' },
    answer: { error: 'INVALID_CHANNEL' },
  },
  { label: 'a rate variant of a trade channel', send: { text: '{"type":"subscribe","channels":["BTC.trade@1000ms"]}' }, answer: { error: 'NOT_CONFLATABLE' } },
  {
    label: 'a snapshot flag that is not a boolean',
    send: { text: '{"type":"subscribe","data":{"channels":["A.book"],"snapshot":"yes"}}' },
    answer: { error: 'BAD_MESSAGE' },
  },
  { label: 'deeply nested JSON', send: { text: '['.repeat(400) + ']'.repeat(400) }, answer: { error: 'BAD_MESSAGE' } },
  { label: 'an unknown type', send: { text: '{"type":"teleport"}' }, answer: { error: 'UNKNOWN_TYPE' } },
  { label: 'a prototype-pollution payload', send: { text: '{"__proto__":{"admin":true},"type":"x"}' }, answer: { error: 'UNKNOWN_TYPE' } },
  { label: 'a channel with a space', send: { text: '{"type":"subscribe","channels":["bad channel"]}' }, answer: { error: 'INVALID_CHANNEL' } },
  { label: 'a query object as channel', send: { text: '{"type":"subscribe","channels":[{"$gt":""}]}' }, answer: { error: 'INVALID_CHANNEL' } },
  { label: 'a wildcard channel', send: { text: '{"type":"subscribe","channels":["*"]}' }, answer: { error: 'INVALID_CHANNEL' } },
  {
    label: 'a 129-character channel',
    send: { text: JSON.stringify({ type: 'subscribe', channels: ['A'.repeat(129)] }) },
    answer: { error: 'INVALID_CHANNEL' },
  },
  {
    label: 'a negative resume offset',
    send: { text: '{"type":"subscribe","channels":["A.trade"],"since":{"A.trade":{"partition":0,"offset":-1}}}' },
    answer: { error: 'INVALID_POSITION' },
  },
  {
    label: 'a resume position for a channel not requested',
    send: { text: '{"type":"subscribe","channels":["A.trade"],"since":{"B.trade":{"partition":0,"offset":1}}}' },
    answer: { error: 'INVALID_POSITION' },
  },
  {
    label: 'more channels than the subscription limit',
    send: { text: JSON.stringify({ type: 'subscribe', channels: ['A.t', 'B.t', 'C.t', 'D.t', 'E.t', 'F.t'] }) },
    answer: { error: 'TOO_MANY_CHANNELS' },
  },
  { label: 'a binary frame', send: { binary: Buffer.from([0xde, 0xad, 0xbe, 0xef]) }, answer: { error: 'BINARY_NOT_SUPPORTED' } },
  {
    label: 'the seed reconnect request',
    send: { text: '{"type":"reconnect","data":{"client_id":"c1","last_offset":{"odin.trades":5}}}' },
    answer: { reply: 'reconnect_error' },
  },
  // Sizes and encodings.
  {
    label: 'a message over --max-message-size',
    send: { text: JSON.stringify({ type: 'subscribe', channels: ['X'.repeat(2000)] }) },
    answer: { close: 1009, reason: 'MESSAGE_TOO_BIG' },
  },
  { label: 'a message over 4x --max-message-size', send: { text: 'x'.repeat(5000) }, answer: { cut: true } },
  { label: 'invalid UTF-8 in a text frame', send: { frames: clientFrame(0x81, Buffer.from([0x7b, 0xff, 0xfe, 0x7d])) }, answer: { cut: true } },
  // Framing.
  { label: 'a reserved opcode', send: { frames: clientFrame(0x83, 'abc') }, answer: { cut: true } },
  { label: 'RSV1 set without an extension', send: { frames: clientFrame(0xc1, '{"type":"ping"}') }, answer: { cut: true } },
  { label: 'a fragmented ping', send: { frames: clientFrame(0x09, 'x') }, answer: { cut: true } },
  { label: 'a ping over 125 bytes', send: { frames: clientFrame(0x89, 'x'.repeat(126)) }, answer: { cut: true } },
  { label: 'a continuation frame with nothing to continue', send: { frames: clientFrame(0x80, 'abc') }, answer: { cut: true } },
  { label: 'a frame declaring 2^53 bytes', send: { frames: clientFrame(0x81, 'x', { declaredLength: Number.MAX_SAFE_INTEGER }) }, answer: { cut: true } },
  { label: 'a close frame with an invalid code', send: { frames: clientFrame(0x88, Buffer.from([0x03, 0xe7])) }, answer: { emptyClose: true } },
  { label: 'a truncated frame', send: { frames: clientFrame(0x81, 'short', { declaredLength: 100 }) }, answer: { ignored: true } },
  {
    label: 'an unmasked frame',
    send: { frames: clientFrame(0x81, '{"type":"ping"}', { mask: false }) },
    answer: { shard: { ignored: true }, loadbalancer: { cut: true } },
  },
  // Handshakes and plain HTTP.
  { label: 'plain HTTP to another path', send: { http: 'GET /nope HTTP/1.1\r\nHost: x\r\n\r\n' }, answer: { http: 404, code: 'NOT_FOUND' } },
  // The ops surface is private by default: nothing of it on the public port.
  { label: 'a scrape of /metrics on the public port', send: { http: 'GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n' }, answer: { http: 404, code: 'NOT_FOUND' } },
  { label: 'plain HTTP to the WebSocket path', send: { http: 'GET /ws HTTP/1.1\r\nHost: x\r\n\r\n' }, answer: { http: 426, code: 'UPGRADE_REQUIRED' } },
  {
    label: 'a POST to the WebSocket path',
    send: { http: 'POST /ws HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello' },
    answer: { http: 426, code: 'UPGRADE_REQUIRED' },
  },
  {
    label: 'an upgrade without a key',
    send: { http: handshake('Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\n') },
    answer: { http: 400, code: 'BAD_HANDSHAKE' },
  },
  {
    label: 'an upgrade with a malformed key',
    send: { http: handshake('Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: abc\r\nSec-WebSocket-Version: 13\r\n') },
    answer: { http: 400, code: 'BAD_HANDSHAKE' },
  },
  {
    label: 'WebSocket version 8',
    send: { http: handshake(`Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: ${KEY}\r\nSec-WebSocket-Version: 8\r\n`) },
    answer: { http: 426, code: 'UNSUPPORTED_WEBSOCKET_VERSION' },
  },
  {
    label: 'an upgrade to another protocol',
    send: { http: handshake('Upgrade: h2c\r\nConnection: Upgrade\r\n') },
    answer: { http: 426, code: 'UPGRADE_REQUIRED' },
  },
  {
    label: 'a handshake without a Host header',
    send: { http: `GET /ws HTTP/1.1\r\n${WS_HEADERS}\r\n` },
    // uWS's HTTP parser refuses such a request before any handler sees it.
    answer: { shard: { http: 400 }, loadbalancer: { http: 400, code: 'BAD_HANDSHAKE' } },
  },
  {
    label: 'a handshake with two Host headers',
    send: { http: handshake(`Host: evil.example\r\n${WS_HEADERS}`) },
    // uWS's HTTP parser refuses it itself (its own 400 page, no JSON code).
    answer: { shard: { http: 400 }, loadbalancer: { http: 400, code: 'BAD_HANDSHAKE' } },
  },
  { label: 'a WebSocket upgrade to another path', send: { http: handshake(WS_HEADERS, 'GET /elsewhere HTTP/1.1') }, answer: { http: 404, code: 'NOT_FOUND' } },
  {
    label: 'an HTTP/1.0 handshake',
    send: { http: handshake(WS_HEADERS, 'GET /ws HTTP/1.0') },
    answer: { shard: { http: 505 }, loadbalancer: { http: 400, code: 'BAD_HANDSHAKE' } },
  },
  { label: 'a garbage request line', send: { http: 'GARBAGE\r\n\r\n' }, answer: { shard: { ignored: true }, loadbalancer: { http: 400 } } },
  // 20 KB: past both tiers' 16 KB limit, yet small enough to be read whole before the answer (a much
  // larger request races the server's close against the client's writes and can lose the answer).
  { label: 'a 20 KB header', send: { http: handshake(`X-Big: ${'a'.repeat(20_000)}\r\n${WS_HEADERS}`) }, answer: { http: 431 } },
  {
    label: '150 headers',
    send: { http: handshake(Array.from({ length: 150 }, (_, i) => `X-H${i}: v\r\n`).join('') + WS_HEADERS) },
    answer: { shard: { http: 431 }, loadbalancer: { http: 431, code: 'TOO_MANY_HEADERS' } },
  },
  {
    label: '2,000 headers',
    send: { http: handshake(Array.from({ length: 2000 }, (_, i) => `X-H${i}: v\r\n`).join('') + WS_HEADERS) },
    answer: { http: 431 },
  },
  {
    label: 'binary garbage instead of HTTP',
    send: { http: Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 37) % 256)) },
    // uWS reads the first bytes as a request line of an unknown HTTP version.
    answer: { shard: { http: 505 }, loadbalancer: { http: 400 } },
  },
];

export function answerFor(hostileCase: HostileCase, tier: Tier): Answer {
  const { answer } = hostileCase;
  return 'shard' in answer && 'loadbalancer' in answer ? (answer as Record<Tier, Answer>)[tier] : (answer as Answer);
}
