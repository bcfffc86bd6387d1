import { describe, expect, it } from 'vitest';
import { newClientState, takeMessageTokens } from './client-state.js';

describe('takeMessageTokens', () => {
  it('allows a burst of twice the rate, then refills at the rate', () => {
    const state = newClientState(20, 0);
    let allowed = 0;
    for (let i = 0; i < 100; i++) if (takeMessageTokens(state, 10, 0)) allowed++;
    expect(allowed).toBe(20);
    expect(takeMessageTokens(state, 10, 50)).toBe(false); // half a token refilled
    expect(takeMessageTokens(state, 10, 100)).toBe(true); // one token after 100 ms at 10/s
    expect(takeMessageTokens(state, 10, 100)).toBe(false);
  });

  it('takes several tokens at once, or none when there are not that many', () => {
    const state = newClientState(20, 0);
    expect(takeMessageTokens(state, 10, 0, 15)).toBe(true);
    expect(takeMessageTokens(state, 10, 0, 6)).toBe(false);
    expect(takeMessageTokens(state, 10, 0, 5)).toBe(true);
    expect(takeMessageTokens(state, 10, 0)).toBe(false);
  });
});
