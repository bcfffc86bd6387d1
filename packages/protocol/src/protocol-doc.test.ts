import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { adler32, ENVELOPE_DICTIONARY } from './zlib-frame.js';

// docs/protocol.md is what a client in another language is written from: what it prints of the wire
// must be the wire.

const page = readFileSync(new URL('../../../docs/protocol.md', import.meta.url), 'utf8');

describe('docs/protocol.md', () => {
  it('prints the fixed envelope dictionary byte for byte, with its length and Adler-32', () => {
    const printed = /The fixed envelope dictionary, (\d+) bytes[^`]*`(\d+)`, `0x([0-9a-f]+)`\):\n\n```text\n(.*)\n```/.exec(page);
    expect(printed, 'the dictionary block').not.toBeNull();
    const [, length, decimal, hex, text] = printed!;
    expect(text).toBe(ENVELOPE_DICTIONARY);
    const bytes = new TextEncoder().encode(ENVELOPE_DICTIONARY);
    expect(Number(length)).toBe(bytes.length);
    expect([Number(decimal), Number.parseInt(hex!, 16)]).toEqual([adler32(bytes), adler32(bytes)]);
  });
});
