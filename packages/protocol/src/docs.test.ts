import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ProtocolErrorCode } from './error-codes.js';
import { HttpErrorCode } from './http-answers.js';

describe('docs/protocol.md', () => {
  it('documents every error code a client can receive', () => {
    const doc = readFileSync(new URL('../../../docs/protocol.md', import.meta.url), 'utf8');
    for (const code of Object.values(ProtocolErrorCode)) expect(doc, code).toContain(`| \`${code}\` |`);
  });

  it('documents every plain-HTTP error code', () => {
    const doc = readFileSync(new URL('../../../docs/protocol.md', import.meta.url), 'utf8');
    for (const code of Object.values(HttpErrorCode)) expect(doc, code).toContain(`| \`${code}\` |`);
  });
});
