import { describe, expect, it } from 'vitest';
import { tokenFromHandshake } from './auth.js';
import { answeredSubprotocol, bearerSubprotocols, offeredSubprotocols } from './subprotocols.js';

describe('subprotocols', () => {
  it('answers odin.v1 when offered, echoes what older clients offered, and never sends a bearer token back', () => {
    expect(answeredSubprotocol('odin.v1')).toBe('odin.v1');
    expect(answeredSubprotocol('chat, odin.v1, odin.bearer.abc')).toBe('odin.v1');
    expect(answeredSubprotocol('chat')).toBe('chat');
    expect(answeredSubprotocol(undefined)).toBe('');
    expect(answeredSubprotocol('odin.bearer.abc')).toBe('');
    expect(answeredSubprotocol('odin.bearer.abc, chat')).toBe('chat');
  });

  it('reads the offered list and the bearer tokens in it', () => {
    expect(offeredSubprotocols(' a , b,,c ')).toEqual(['a', 'b', 'c']);
    expect(bearerSubprotocols('odin.v1, odin.bearer.eyJ.x.y')).toEqual(['eyJ.x.y']);
  });
});

describe('tokenFromHandshake', () => {
  it('finds the token in the bearer subprotocol, the Authorization header or the query, and in exactly one of them', () => {
    expect(tokenFromHandshake('', undefined, 'odin.v1, odin.bearer.t1')).toEqual({ ok: true, token: 't1' });
    expect(tokenFromHandshake('', 'Bearer t2', 'odin.v1')).toEqual({ ok: true, token: 't2' });
    expect(tokenFromHandshake('token=t3', undefined, undefined)).toEqual({ ok: true, token: 't3' });
    for (const [query, authorization, protocols] of [
      ['token=t1', undefined, 'odin.bearer.t1'],
      ['', 'Bearer t1', 'odin.bearer.t1'],
      ['', undefined, 'odin.bearer.t1, odin.bearer.t2'],
    ] as const) {
      expect(tokenFromHandshake(query, authorization, protocols)).toEqual({ ok: false, code: 'TOKEN_AMBIGUOUS' });
    }
    expect(tokenFromHandshake('', undefined, 'odin.v1')).toEqual({ ok: false, code: 'TOKEN_MISSING' });
    expect(tokenFromHandshake('', undefined, 'odin.bearer.')).toEqual({ ok: false, code: 'TOKEN_MISSING' });
    expect(tokenFromHandshake('', undefined, `odin.bearer.${'e'.repeat(9000)}`)).toEqual({ ok: false, code: 'TOKEN_TOO_LARGE' });
    // --auth-query-token refuse: a token in the URL is refused wherever else one is.
    expect(tokenFromHandshake('token=t3', undefined, undefined, 'refuse')).toEqual({ ok: false, code: 'TOKEN_IN_QUERY' });
    expect(tokenFromHandshake('token=t3', 'Bearer t3', undefined, 'refuse')).toEqual({ ok: false, code: 'TOKEN_IN_QUERY' });
    expect(tokenFromHandshake('x=1', 'Bearer t2', undefined, 'refuse')).toEqual({ ok: true, token: 't2' });
  });
});
