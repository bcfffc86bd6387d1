import { describe, expect, it } from 'vitest';
import { checkWebSocketHandshake, type HandshakeHeaders } from './handshake.js';

const valid: HandshakeHeaders = {
  method: 'GET',
  httpVersion: '1.1',
  upgrade: 'websocket',
  connection: 'keep-alive, Upgrade',
  key: 'dGhlIHNhbXBsZSBub25jZQ==',
  version: '13',
  hostHeaders: 1,
};

describe('checkWebSocketHandshake', () => {
  it('accepts a well-formed handshake, headers compared case-insensitively', () => {
    expect(checkWebSocketHandshake(valid)).toBeUndefined();
    expect(checkWebSocketHandshake({ ...valid, upgrade: 'WebSocket', connection: 'upgrade', httpVersion: undefined })).toBeUndefined();
  });

  it.each([
    ['no Upgrade header', { upgrade: undefined }, 426, 'UPGRADE_REQUIRED'],
    ['another protocol', { upgrade: 'h2c' }, 426, 'UPGRADE_REQUIRED'],
    ['a POST', { method: 'POST' }, 400, 'BAD_HANDSHAKE'],
    ['HTTP/1.0', { httpVersion: '1.0' }, 400, 'BAD_HANDSHAKE'],
    ['no Connection: Upgrade', { connection: 'keep-alive' }, 400, 'BAD_HANDSHAKE'],
    ['version 8', { version: '8' }, 426, 'UNSUPPORTED_WEBSOCKET_VERSION'],
    ['no Host header', { hostHeaders: 0 }, 400, 'BAD_HANDSHAKE'],
    ['two Host headers', { hostHeaders: 2 }, 400, 'BAD_HANDSHAKE'],
    ['no version', { version: undefined }, 426, 'UNSUPPORTED_WEBSOCKET_VERSION'],
    ['no key', { key: undefined }, 400, 'BAD_HANDSHAKE'],
    ['a short key', { key: 'abc' }, 400, 'BAD_HANDSHAKE'],
    ['a key that is not base64', { key: '!!!!!!!!!!!!!!!!!!!!!!==' }, 400, 'BAD_HANDSHAKE'],
  ])('refuses %s', (_label, change, status, code) => {
    expect(checkWebSocketHandshake({ ...valid, ...change })).toMatchObject({ status, code });
  });

  it('tells a version mismatch which version to use', () => {
    expect(checkWebSocketHandshake({ ...valid, version: '8' })?.headers).toEqual({ 'Sec-WebSocket-Version': '13' });
  });
});
