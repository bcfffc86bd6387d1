import { describe, expect, it } from 'vitest';
import { newClientState, takeMessageToken } from './client-state.js';

describe('takeMessageToken', () => {
  it('allows a burst of twice the rate, then refills at the rate', () => {
    const state = newClientState(20, 0);
    let allowed = 0;
    for (let i = 0; i < 100; i++) if (takeMessageToken(state, 10, 0)) allowed++;
    expect(allowed).toBe(20);
    expect(takeMessageToken(state, 10, 50)).toBe(false); // half a token refilled
    expect(takeMessageToken(state, 10, 100)).toBe(true); // one token after 100 ms at 10/s
    expect(takeMessageToken(state, 10, 100)).toBe(false);
  });
});
