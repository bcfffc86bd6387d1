import { describe, expect, it } from 'vitest';
import { ChannelGrants } from './channel-grants.js';

describe('ChannelGrants', () => {
  it('grants exact names, prefixes, suffixes and everything', () => {
    const grants = ChannelGrants.fromClaim(['BTC.*', '*.ticker', 'SOL.book'])!;
    expect(['BTC.trade', 'BTC.book', 'ETH.ticker', 'SOL.book'].every((channel) => grants.allows(channel))).toBe(true);
    expect(['ETH.trade', 'SOL.trade', 'BTCX.trade', 'XBTC.trade'].some((channel) => grants.allows(channel))).toBe(false);
    expect(ChannelGrants.fromClaim(['*'])!.allows('anything.at:all')).toBe(true);
    expect(ChannelGrants.ALL.allows('ETH.trade')).toBe(true);
  });

  it('treats pattern characters literally except *', () => {
    const grants = ChannelGrants.fromClaim(['BTC.trade'])!;
    expect(grants.allows('BTCxtrade')).toBe(false); // "." is not "any character"
    expect(grants.firstDenied(['BTC.trade', 'ETH.trade', 'SOL.trade'])).toBe('ETH.trade');
  });

  it('grants nothing for an empty list', () => {
    expect(ChannelGrants.fromClaim([])!.allows('BTC.trade')).toBe(false);
  });

  it.each([
    ['a string', 'BTC.*'],
    ['a list with a number', ['BTC.*', 7]],
    ['a pattern with a regular-expression group', ['(a+)+']],
    ['an over-long pattern', ['x'.repeat(200)]],
    ['thousands of patterns', Array.from({ length: 1000 }, (_, i) => `S${i}.*`)],
  ])('refuses %s as a claim', (_label, claim) => {
    expect(ChannelGrants.fromClaim(claim)).toBeUndefined();
  });
});
