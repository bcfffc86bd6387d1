import { describe, expect, it } from 'vitest';
import { drainReconnectMs, RetryHints } from './retry-hints.js';

describe('drainReconnectMs', () => {
  it('spreads drained clients over [min, min + spread)', () => {
    const { minMs, spreadMs } = RetryHints.drainReconnect;
    expect(drainReconnectMs(() => 0)).toBe(minMs);
    expect(drainReconnectMs(() => 0.5)).toBe(minMs + spreadMs / 2);
    expect(drainReconnectMs(() => 0.999)).toBeLessThan(minMs + spreadMs);
  });
});
