import { describe, expect, it } from 'vitest';
import { MAX_HANDSHAKE_HEADERS, parsePlainHandshake } from './plain-handshake.js';

const LINES = [
  'GET /ws?token=abc&x=1 HTTP/1.1',
  'Host: 127.0.0.1:3000',
  'Upgrade: websocket',
  'Connection: keep-alive, Upgrade',
  'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==',
  'Sec-WebSocket-Version: 13',
  'X-Client:  7.1 \t',
];
const head = (lines: string[]) => lines.join('\r\n');
const replacing = (index: number, line: string) => LINES.map((old, i) => (i === index ? line : old));

describe('parsePlainHandshake', () => {
  it('reads a plain upgrade as node:http would present it', () => {
    const request = parsePlainHandshake(head(LINES), '/ws');
    expect(request).toMatchObject({ method: 'GET', url: '/ws?token=abc&x=1', httpVersion: '1.1' });
    expect({ ...request!.headers }).toEqual({
      host: '127.0.0.1:3000',
      upgrade: 'websocket',
      connection: 'keep-alive, Upgrade',
      'sec-websocket-key': 'dGhlIHNhbXBsZSBub25jZQ==',
      'sec-websocket-version': '13',
      'x-client': '7.1',
    });
    expect(request!.rawHeaders.slice(-2)).toEqual(['X-Client', '7.1']);
  });

  it('leaves the RFC 6455 checks to the router: a handshake without key or Host is still plain', () => {
    expect(parsePlainHandshake(head(LINES.filter((line) => !/^(Host|Sec-WebSocket-Key):/.test(line))), '/ws')).toBeDefined();
  });

  it('keeps headers named after Object.prototype members as headers', () => {
    const request = parsePlainHandshake(head([...LINES, '__proto__: a', 'constructor: b']), '/ws');
    expect(Object.entries(request!.headers).slice(-2)).toEqual([
      ['__proto__', 'a'],
      ['constructor', 'b'],
    ]);
  });

  it.each([
    ['another method', replacing(0, 'POST /ws HTTP/1.1')],
    ['HTTP/1.0', replacing(0, 'GET /ws HTTP/1.0')],
    ['another path', replacing(0, 'GET /other HTTP/1.1')],
    ['a longer path', replacing(0, 'GET /ws/x HTTP/1.1')],
    ['an absolute-form target', replacing(0, 'GET http://x/ws HTTP/1.1')],
    ['a space in the target', replacing(0, 'GET /ws?a b HTTP/1.1')],
    ['a repeated header', [...LINES, 'x-client: 8']],
    ['two Host headers', [...LINES, 'Host: other']],
    ['a Content-Length', [...LINES, 'Content-Length: 5']],
    ['a Transfer-Encoding', [...LINES, 'Transfer-Encoding: chunked']],
    ['a folded header line', [...LINES, ' folded']],
    ['a line without a colon', [...LINES, 'garbage']],
    ['an empty header name', [...LINES, ': x']],
    ['a space in a header name', [...LINES, 'X Client: 1']],
    ['a bare LF inside a line', [...LINES, 'X-A: 1\nX-B: 2']],
    ['a control byte in a value', [...LINES, 'X-A: 1\u0000']],
    ['a byte above 0x7e', [...LINES, 'X-A: caf\u00e9']],
    ['no Upgrade header', LINES.filter((line) => !line.startsWith('Upgrade'))],
    ['an upgrade to another protocol', replacing(2, 'Upgrade: h2c')],
    ['no upgrade token in Connection', replacing(3, 'Connection: keep-alive')],
    ['more than the header limit', [...LINES, ...Array.from({ length: MAX_HANDSHAKE_HEADERS }, (_, i) => `X-${i}: ${i}`)]],
  ])('hands %s to node:http', (_label, lines) => {
    expect(parsePlainHandshake(head(lines), '/ws')).toBeUndefined();
  });
});
