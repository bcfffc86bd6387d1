import { describe, expect, it } from 'vitest';
import { exposesCredentials } from './transport-security.js';

describe('exposesCredentials', () => {
  it('is true for ws:// to another machine only', () => {
    const cases: Array<[string, boolean]> = [
      ['ws://md.example.com/ws', true],
      ['ws://10.0.0.7:3001/ws', true],
      ['ws://127.0.0.1.example.com/ws', true],
      ['wss://md.example.com/ws', false],
      ['ws://127.0.0.1:3001/ws', false],
      ['ws://127.8.9.10/ws', false],
      ['ws://localhost:3001/ws', false],
      ['ws://[::1]:3001/ws', false],
      ['not a url', false],
    ];
    for (const [url, exposed] of cases) expect(exposesCredentials(url), url).toBe(exposed);
  });
});
