/**
 * The WebSocket opening handshake rules of RFC 6455 section 4.2.1, checked at both tiers before any
 * work is done for a request: a malformed handshake gets a clear HTTP answer instead of costing the
 * load balancer a proxied attempt (or a shard a failed handshake that counts against its circuit).
 */
export interface HandshakeHeaders {
  method: string;
  /** "1.1"; undefined where the server does not expose it (uWS only accepts HTTP/1.1 anyway). */
  httpVersion?: string;
  upgrade: string | undefined;
  connection: string | undefined;
  key: string | undefined;
  version: string | undefined;
  /** How many Host headers the request carried: HTTP/1.1 needs exactly one (RFC 9112 3.2). */
  hostHeaders: number;
}

export interface HandshakeProblem {
  /** 426 asks the client to speak WebSocket version 13 (or at all); 400 is a malformed request; 431 an oversized one. */
  status: 400 | 426 | 431;
  code: 'UPGRADE_REQUIRED' | 'BAD_HANDSHAKE' | 'UNSUPPORTED_WEBSOCKET_VERSION' | 'HEADERS_TOO_LARGE' | 'TOO_MANY_HEADERS';
  message: string;
  /** Headers the answer must carry (RFC 6455 4.4: Sec-WebSocket-Version on a version mismatch). */
  headers: Record<string, string>;
}

/** The HTTP status line of each answer, as both tiers write it. */
export const HANDSHAKE_STATUS_LINES: Record<HandshakeProblem['status'], string> = {
  400: '400 Bad Request',
  426: '426 Upgrade Required',
  431: '431 Request Header Fields Too Large',
};

/** A base64 encoding of 16 bytes: 22 characters and "==". */
const KEY_PATTERN = /^[A-Za-z0-9+/]{22}==$/;

export function checkWebSocketHandshake(request: HandshakeHeaders): HandshakeProblem | undefined {
  if (!hasToken(request.upgrade, 'websocket')) {
    return { status: 426, code: 'UPGRADE_REQUIRED', message: 'open a WebSocket to this path (Upgrade: websocket)', headers: { Upgrade: 'websocket' } };
  }
  if (request.method.toUpperCase() !== 'GET') return bad(`a WebSocket handshake is a GET, not ${request.method.slice(0, 16)}`);
  if (request.httpVersion !== undefined && request.httpVersion !== '1.1')
    return bad(`a WebSocket handshake needs HTTP/1.1, not HTTP/${request.httpVersion.slice(0, 8)}`);
  if (request.hostHeaders !== 1) return bad(`an HTTP/1.1 request needs exactly one Host header, not ${request.hostHeaders}`);
  if (!hasToken(request.connection, 'upgrade')) return bad('the Connection header must include "Upgrade"');
  if (request.version !== '13') {
    return {
      status: 426,
      code: 'UNSUPPORTED_WEBSOCKET_VERSION',
      message: 'only WebSocket version 13 is supported',
      headers: { 'Sec-WebSocket-Version': '13' },
    };
  }
  if (request.key === undefined || !KEY_PATTERN.test(request.key)) return bad('Sec-WebSocket-Key must be 16 random bytes in base64');
  return undefined;
}

function bad(message: string): HandshakeProblem {
  return { status: 400, code: 'BAD_HANDSHAKE', message, headers: {} };
}

/** Comma-separated header tokens, compared case-insensitively. */
function hasToken(header: string | undefined, token: string): boolean {
  return header?.split(',').some((part) => part.trim().toLowerCase() === token) ?? false;
}
