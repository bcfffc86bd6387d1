import { buildEnvelope } from '@odin-ws/protocol';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { LastValues } from '../state/index.js';
import { Conflator } from './conflator.js';

// The conflator with real last values and its own timers (faked); the uWS app is a fake topic tree.

function setup(subscribers: Record<string, number>) {
  const published: Array<{ topic: string; data: unknown; pos: unknown; channel: unknown }> = [];
  const app = {
    numSubscribers: (topic: string) => subscribers[topic] ?? 0,
    publish: (topic: string, frame: string) => {
      const envelope = JSON.parse(frame) as { channel: string; pos: unknown; data: unknown };
      published.push({ topic, channel: envelope.channel, pos: envelope.pos, data: envelope.data });
      return true;
    },
  };
  const lastValues = new LastValues(1 << 20);
  let frames = 0;
  const conflator = new Conflator(app as unknown as ConstructorParameters<typeof Conflator>[0], lastValues, (count) => (frames += count));
  const update = (channel: string, offset: number) => {
    lastValues.record(channel, {
      envelope: buildEnvelope({ channel, partition: 1, offset, ts: 1, prev: null, dataJson: `{"n":${offset}}` }),
      partition: 1,
      offset,
    });
    conflator.updated(channel);
  };
  return { conflator, update, published, frames: () => frames };
}

describe('Conflator', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it("publishes each interval's latest value once per tick, under the variant's name, only when it changed", () => {
    vi.useFakeTimers();
    const { conflator, update, published, frames } = setup({ 'SOL.book@1000ms': 3, 'SOL.book@250ms': 1 });
    conflator.subscribed('SOL.book@1000ms');
    conflator.subscribed('SOL.book@250ms');
    for (let offset = 1; offset <= 40; offset++) {
      update('SOL.book', offset);
      vi.advanceTimersByTime(50); // 40 updates over 2 s: 20 a second
    }
    const perVariant = (topic: string) => published.filter((p) => p.topic === topic);
    expect(perVariant('SOL.book@1000ms')).toHaveLength(2);
    expect(perVariant('SOL.book@250ms')).toHaveLength(8);
    // Always the latest at the tick, never an older one, with its own position.
    expect(perVariant('SOL.book@1000ms').map((p) => p.data)).toEqual([{ n: 20 }, { n: 40 }]);
    expect(perVariant('SOL.book@1000ms')[1]).toMatchObject({ channel: 'SOL.book@1000ms', pos: { partition: 1, offset: 40 } });
    expect(frames()).toBe(2 * 3 + 8 * 1);
    // Nothing changed: the next ticks publish nothing.
    vi.advanceTimersByTime(3000);
    expect(published).toHaveLength(10);
    conflator.close();
  });

  it('computes nothing for a variant nobody here subscribes to, and runs no timer for an interval never asked for', () => {
    vi.useFakeTimers();
    const { conflator, update, published } = setup({});
    conflator.subscribed('SOL.book@500ms');
    update('SOL.book', 1);
    vi.advanceTimersByTime(1000);
    expect(published).toEqual([]);
    expect(vi.getTimerCount()).toBe(1);
    conflator.close();
    expect(vi.getTimerCount()).toBe(0);
  });
});
