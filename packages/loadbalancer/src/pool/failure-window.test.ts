import { describe, expect, it } from 'vitest';
import { FailureWindow } from './failure-window.js';

describe('FailureWindow', () => {
  it('counts failures and the failure rate over the window and forgets older ones', () => {
    const window = new FailureWindow(10);
    const t0 = 1_000_000;
    window.record(true, t0);
    window.record(false, t0 + 500);
    window.record(true, t0 + 3000);
    expect(window.failureCount(t0 + 3000)).toBe(2);
    expect(window.failureRate(t0 + 3000)).toBeCloseTo(2 / 3);
    expect(window.failureCount(t0 + 11_500)).toBe(1);
    expect(window.failureRate(t0 + 30_000)).toBe(0);
  });
});
