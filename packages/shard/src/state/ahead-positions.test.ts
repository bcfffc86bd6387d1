import { afterEach, describe, expect, it } from 'vitest';
import { AheadPositions } from './ahead-positions.js';

describe('AheadPositions', () => {
  let waits: AheadPositions | undefined;
  afterEach(() => waits?.stop());

  it('answers as soon as the fetches pass the position, and otherwise after confirmMs', async () => {
    waits = new AheadPositions(300, 10);
    let fetched = false;
    const started = Date.now();
    const reached = waits.wait(() => fetched).then(() => Date.now() - started);
    const never = waits.wait(() => false).then(() => Date.now() - started);
    setTimeout(() => (fetched = true), 50);
    expect(await reached).toBeLessThan(200);
    expect(await never).toBeGreaterThanOrEqual(300);
    expect(waits.size).toBe(0);
  });

  it('runs no timer while nothing waits, and stop() answers every waiter at once', async () => {
    waits = new AheadPositions(60_000, 10);
    const pending = [waits.wait(() => false), waits.wait(() => false)];
    expect(waits.size).toBe(2);
    waits.stop();
    await Promise.all(pending);
    expect(waits.size).toBe(0);
  });
});
