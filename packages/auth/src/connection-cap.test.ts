import { describe, expect, it } from 'vitest';
import { ConnectionCap, perWorkerCap } from './connection-cap.js';

describe('ConnectionCap', () => {
  it('holds each key to its cap, frees a place when a connection ends, and forgets idle keys', () => {
    const places = new ConnectionCap(2);
    expect([places.take('10.0.0.1'), places.take('10.0.0.1'), places.take('10.0.0.1')]).toEqual([true, true, false]);
    expect(places.take('10.0.0.2')).toBe(true); // another key is not affected
    places.release('10.0.0.1');
    expect(places.take('10.0.0.1')).toBe(true);
    for (let i = 0; i < 2; i++) places.release('10.0.0.1');
    places.release('10.0.0.2');
    expect(places.keys).toBe(0);
  });

  it('is off with a cap of 0, and splits a tier-wide cap over the workers', () => {
    const off = new ConnectionCap(0);
    for (let i = 0; i < 10_000; i++) expect(off.take('10.0.0.1')).toBe(true);
    expect(off.keys).toBe(0);
    expect(perWorkerCap(1000, 2)).toBe(500);
    expect(perWorkerCap(5, 2)).toBe(3);
    expect(perWorkerCap(1, 4)).toBe(1);
    expect(perWorkerCap(0, 2)).toBe(0);
  });
});
