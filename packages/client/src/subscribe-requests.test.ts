import { describe, expect, it } from 'vitest';
import { subscribeRequests } from './subscribe-requests.js';

describe('subscribeRequests', () => {
  it('asks in one request per delta choice, resumes what has a position, and never resumes a rate variant', () => {
    const at = (offset: number) => ({ partition: 1, offset });
    const { requests, unresumable } = subscribeRequests([
      { channel: 'BTC.trade', position: at(7), delta: undefined },
      { channel: 'SOL.book', position: at(9), delta: 'fossil' },
      { channel: 'ETH.trade', position: undefined, delta: undefined },
      { channel: 'SOL.book@250ms', position: at(9), delta: undefined },
      { channel: 'ETH.book', position: undefined, delta: 'deflate' },
    ]);
    expect(requests).toEqual([
      { channels: ['BTC.trade', 'ETH.trade', 'SOL.book@250ms'], since: { 'BTC.trade': at(7) }, snapshot: true },
      { channels: ['SOL.book'], since: { 'SOL.book': at(9) }, snapshot: true, delta: 'fossil' },
      { channels: ['ETH.book'], snapshot: true, delta: 'deflate' },
    ]);
    expect(unresumable).toEqual(['ETH.trade', 'ETH.book']);
  });
});
