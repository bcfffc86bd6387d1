import { describe, expect, it } from 'vitest';
import { RingQueue } from './ring-queue.js';

describe('RingQueue', () => {
  it('keeps FIFO order and indexed reads across growth and wrap-around', () => {
    const queue = new RingQueue<number>(2);
    const model: number[] = [];
    for (let i = 0; i < 1000; i++) {
      queue.push(i);
      model.push(i);
      if (i % 3 === 0) expect(queue.shift()).toBe(model.shift());
    }
    expect(queue.length).toBe(model.length);
    expect(queue.peek()).toBe(model[0]);
    for (let i = 0; i < model.length; i++) expect(queue.at(i)).toBe(model[i]);
    while (model.length > 0) expect(queue.shift()).toBe(model.shift());
    expect(queue.shift()).toBeUndefined();
    expect(queue.peek()).toBeUndefined();
  });
});
