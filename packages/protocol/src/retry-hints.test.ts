import { describe, expect, it } from 'vitest';
import { drainReconnectMs, RetryHints, retryAfterHeader } from './retry-hints.js';

describe('drainReconnectMs', () => {
  it('spreads drained clients over [min, min + spread)', () => {
    const { minMs, spreadMs } = RetryHints.drainReconnect;
    expect(drainReconnectMs(() => 0)).toBe(minMs);
    expect(drainReconnectMs(() => 0.5)).toBe(minMs + spreadMs / 2);
    expect(drainReconnectMs(() => 0.999)).toBeLessThan(minMs + spreadMs);
  });
});

describe('retryAfterHeader', () => {
  it('asks for the unavailable delay unless told otherwise, in whole seconds', () => {
    expect(retryAfterHeader()).toEqual({ 'Retry-After': String(RetryHints.unavailableS) });
    expect(retryAfterHeader(RetryHints.shardAtCapacityS)).toEqual({ 'Retry-After': '2' });
  });
});
