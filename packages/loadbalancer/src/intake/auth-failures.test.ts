import { describe, expect, it } from 'vitest';
import { AuthFailureLimiter } from './auth-failures.js';

describe('AuthFailureLimiter', () => {
  it('lets an address have tokens checked until its burst of refusals is spent, then one more per refill', () => {
    const limiter = new AuthFailureLimiter(3, 1);
    for (let i = 0; i < 3; i++) {
      expect(limiter.allows('10.0.0.1', 0)).toBe(true);
      limiter.failed('10.0.0.1', 0);
    }
    expect(limiter.allows('10.0.0.1', 0)).toBe(false);
    expect(limiter.allows('10.0.0.2', 0)).toBe(true);
    expect(limiter.allows('10.0.0.1', 999)).toBe(false);
    expect(limiter.allows('10.0.0.1', 1000)).toBe(true);
  });

  it('remembers a bounded number of addresses: refilled ones go first, then the least recently refused', () => {
    const limiter = new AuthFailureLimiter(2, 1, 3);
    limiter.failed('a', 0);
    limiter.failed('b', 0);
    limiter.failed('c', 5000); // a and b have refilled by now
    limiter.failed('d', 5000);
    expect(limiter.addresses).toBe(2);
    for (const address of ['e', 'f', 'g']) limiter.failed(address, 5000);
    expect(limiter.addresses).toBe(3);
    // A spray from many addresses cannot grow the map; forgetting only makes an address less limited.
    expect(limiter.allows('c', 5000)).toBe(true);
  });
});
