import { describe, expect, it } from 'vitest';
import { decideOnClose } from './reconnect-policy.js';

const backoff = { initialMs: 100, maxMs: 1000 };

describe('decideOnClose', () => {
  it('waits at least the retryMs the server sent, with jitter on top', () => {
    expect(decideOnClose(1012, '{"code":"DRAINING","retryMs":1500}', 0, backoff, () => 0)).toEqual({ reconnect: true, delayMs: 1500, serverCode: 'DRAINING' });
    expect(decideOnClose(1013, '{"code":"OVERLOADED","retryMs":2000}', 0, backoff, () => 0.5)).toEqual({
      reconnect: true,
      delayMs: 2050,
      serverCode: 'OVERLOADED',
    });
    expect(decideOnClose(1008, '{"code":"SLOW_CONSUMER","retryMs":1000}', 2, backoff, () => 1)).toEqual({
      reconnect: true,
      delayMs: 1400,
      serverCode: 'SLOW_CONSUMER',
    });
  });

  it('backs off exponentially with full jitter, capped, for cuts without a reason', () => {
    const worst = (attempt: number) => decideOnClose(1006, '', attempt, backoff, () => 1);
    expect([0, 1, 2, 3, 4, 10, 1000].map((attempt) => (worst(attempt) as { delayMs: number }).delayMs)).toEqual([100, 200, 400, 800, 1000, 1000, 1000]);
    expect(decideOnClose(1006, '', 5, backoff, () => 0)).toEqual({ reconnect: true, delayMs: 0 });
  });

  it.each([1002, 1003, 1007, 1009, 1010])('does not reconnect after %i: the client caused it', (code) => {
    expect(decideOnClose(code, '', 0, backoff).reconnect).toBe(false);
  });

  it('ignores reasons that are not odin-ws JSON', () => {
    expect(decideOnClose(1011, 'oops', 0, backoff, () => 0)).toEqual({ reconnect: true, delayMs: 0 });
  });
});
