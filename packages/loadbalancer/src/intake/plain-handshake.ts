import type { IncomingMessage } from 'node:http';

/** What the handshake path reads of a request: node:http's IncomingMessage, or a head parsed here. */
export type HandshakeRequest = Pick<IncomingMessage, 'method' | 'url' | 'httpVersion' | 'headers' | 'rawHeaders'>;

/**
 * Handshakes with more headers are refused (431 TOO_MANY_HEADERS). node:http's own limit
 * (`maxHeadersCount`, 2,000) is left as it is: Node 24's parser refuses a request past it
 * (HPE_HEADER_OVERFLOW, answered 431 by answerClientError) where older Nodes dropped the rest
 * silently, so setting it to this limit would turn our coded answer into a bare 431.
 */
export const MAX_HANDSHAKE_HEADERS = 100;

/** node:http's default limit on a request head; longer heads go to it, which answers 431. */
export const MAX_PLAIN_HEAD_BYTES = 16 * 1024;

const REQUEST_LINE = /^GET (\/[!-~]*) HTTP\/1\.1$/;
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
/** Anything but tab, printable ASCII, and CR or LF in pairs: a control byte, a byte above 0x7e, a bare CR or LF. */
const NOT_PLAIN = /[^\t\x20-\x7e\r\n]|\r(?!\n)|(?<!\r)\n/;

/**
 * A request head (up to, not including, the blank line) as node:http would present it, when it is a
 * plain WebSocket upgrade to `path`: `GET <path>[?query] HTTP/1.1`, every line printable ASCII, each
 * header once, at most MAX_HANDSHAKE_HEADERS, no body framing, `Upgrade: websocket` and an `upgrade`
 * token in Connection. Anything else is undefined: node:http parses it instead and gives the answer
 * it always gave (docs/hostile-input.md), so this path only ever sees what both parsers read alike.
 * The RFC 6455 checks (key, version, Host) are the router's, on either path. One pass with
 * indexOf and no per-line regex but the name's: it runs once per handshake.
 */
export function parsePlainHandshake(head: string, path: string): HandshakeRequest | undefined {
  if (NOT_PLAIN.test(head)) return undefined;
  let lineEnd = head.indexOf('\r\n');
  const url = REQUEST_LINE.exec(lineEnd === -1 ? head : head.slice(0, lineEnd))?.[1];
  if (url === undefined || pathOf(url) !== path) return undefined;
  // A null prototype: a header named __proto__ or constructor is a header like any other.
  const headers: Record<string, string> = Object.create(null);
  const rawHeaders: string[] = [];
  while (lineEnd !== -1) {
    const lineStart = lineEnd + 2;
    lineEnd = head.indexOf('\r\n', lineStart);
    const line = lineEnd === -1 ? head.slice(lineStart) : head.slice(lineStart, lineEnd);
    const colon = line.indexOf(':');
    if (colon <= 0 || rawHeaders.length === 2 * MAX_HANDSHAKE_HEADERS) return undefined;
    const name = line.slice(0, colon);
    const key = name.toLowerCase();
    // Repeats are joined, kept or dropped by rules of node:http's own; body framing is its business.
    if (!TOKEN.test(name) || key in headers || key === 'content-length' || key === 'transfer-encoding') return undefined;
    // Only tabs and spaces can be at the edges here (NOT_PLAIN), which is what HTTP trims.
    const value = line.slice(colon + 1).trim();
    headers[key] = value;
    rawHeaders.push(name, value);
  }
  if (headers['upgrade']?.toLowerCase() !== 'websocket') return undefined;
  if (!headers['connection']?.split(',').some((token) => token.trim().toLowerCase() === 'upgrade')) return undefined;
  return { method: 'GET', url, httpVersion: '1.1', headers, rawHeaders };
}

/** The path of a request target, without its query. */
export function pathOf(url: string): string {
  const query = url.indexOf('?');
  return query === -1 ? url : url.slice(0, query);
}
