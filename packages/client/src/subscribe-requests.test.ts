import { describe, expect, it } from 'vitest';
import { subscribeRequests } from './subscribe-requests.js';

describe('subscribeRequests', () => {
  it('asks in one request per delta choice, resumes what has a position, and never resumes a rate variant', () => {
    const at = (offset: number) => ({ partition: 1, offset });
    const { requests, unresumable } = subscribeRequests([
      { channel: 'BTC.trade', position: at(7), delta: undefined, compress: false },
      { channel: 'SOL.book', position: at(9), delta: 'fossil', compress: false },
      { channel: 'ETH.trade', position: undefined, delta: undefined, compress: false },
      { channel: 'SOL.book@250ms', position: at(9), delta: undefined, compress: false },
      { channel: 'ETH.book', position: undefined, delta: 'deflate', compress: true },
      { channel: 'SOL.trade', position: at(3), delta: undefined, compress: true },
    ]);
    expect(requests).toEqual([
      { channels: ['BTC.trade', 'ETH.trade', 'SOL.book@250ms'], since: { 'BTC.trade': at(7) }, snapshot: true },
      { channels: ['SOL.trade'], since: { 'SOL.trade': at(3) }, snapshot: true, compress: 'deflate' },
      { channels: ['SOL.book'], since: { 'SOL.book': at(9) }, snapshot: true, delta: 'fossil' },
      { channels: ['ETH.book'], snapshot: true, delta: 'deflate', compress: 'deflate' },
    ]);
    expect(unresumable).toEqual(['ETH.trade', 'ETH.book']);
  });

  it('asks for a book depth in a request of its own', () => {
    const { requests } = subscribeRequests([
      { channel: 'BTC.book', position: undefined, delta: undefined, compress: false, depth: 10 },
      { channel: 'BTC.trade', position: undefined, delta: undefined, compress: false },
      { channel: 'ETH.book@250ms', position: undefined, delta: undefined, compress: false, depth: 10 },
    ]);
    expect(requests).toEqual([
      { channels: ['BTC.trade'], snapshot: true },
      { channels: ['BTC.book', 'ETH.book@250ms'], snapshot: true, depth: 10 },
    ]);
  });
});
