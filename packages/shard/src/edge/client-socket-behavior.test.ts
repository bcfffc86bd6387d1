import { describe, expect, it } from 'vitest';
import { closeCodeLabel } from './client-socket-behavior.js';

const reason = (text: string) => new TextEncoder().encode(text).buffer as ArrayBuffer;

describe('closeCodeLabel', () => {
  it('folds what a client chose into a few labels', () => {
    for (const code of [1000, 1001, 1005]) expect(closeCodeLabel(code, reason(''))).toBe('client_closed');
    expect(closeCodeLabel(4999, reason('anything'))).toBe('other');
  });

  it("tells uWS's own forced closes apart by the reason only the server sees", () => {
    // The texts uWS v20 gives its own 1006 closes (ERR_INVALID_TEXT, ERR_TOO_BIG_MESSAGE in WebSocketProtocol.h).
    expect(closeCodeLabel(1006, reason('Received invalid UTF-8'))).toBe('invalid_utf8');
    expect(closeCodeLabel(1006, reason('Received too big message'))).toBe('message_too_big');
    expect(closeCodeLabel(1006, reason(''))).toBe('abnormal');
  });
});
