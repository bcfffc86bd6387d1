import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ChannelGrants, MAX_STARS_PER_PATTERN } from './channel-grants.js';

/** What a pattern means, written the slow way (a regular expression): the reference the matcher must agree with. */
function reference(pattern: string, channel: string): boolean {
  if (pattern === '*') return true;
  const source = pattern
    .split('*')
    .map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
    .join('.*');
  return new RegExp(`^${source}$`).test(channel);
}

describe('ChannelGrants', () => {
  it('grants exact names, prefixes, suffixes and everything', () => {
    const grants = ChannelGrants.fromClaim(['BTC.*', '*.ticker', 'SOL.book'])!;
    expect(['BTC.trade', 'BTC.book', 'ETH.ticker', 'SOL.book'].every((channel) => grants.allows(channel))).toBe(true);
    expect(['ETH.trade', 'SOL.trade', 'BTCX.trade', 'XBTC.trade'].some((channel) => grants.allows(channel))).toBe(false);
    expect(ChannelGrants.fromClaim(['*'])!.allows('anything.at:all')).toBe(true);
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
    ['a pattern with more * than allowed (the backtracking bomb)', ['a*a*a*a*a*a*a*a*b']],
  ])('refuses %s as a claim', (_label, claim) => {
    expect(ChannelGrants.fromClaim(claim)).toBeUndefined();
  });

  it(`takes patterns of up to ${MAX_STARS_PER_PATTERN} *, and matches middle parts anywhere in order`, () => {
    const grants = ChannelGrants.fromClaim(['BTC.*.l2', 'a*b*c*d*e', '*:*'])!;
    expect(grants.allows('BTC.book.l2')).toBe(true);
    expect(grants.allows('BTC..l2')).toBe(true);
    expect(grants.allows('BTC.l2')).toBe(false); // the two dots are both needed
    expect(grants.allows('axxbyyczzde')).toBe(true);
    expect(grants.allows('aedcb')).toBe(false); // the parts must come in order
    expect(grants.allows('x:y')).toBe(true);
    expect(grants.allows('xy')).toBe(false);
  });

  it('agrees with the regular-expression meaning of every pattern, on any channel', () => {
    const piece = fc.stringMatching(/^[ab.*]{0,6}$/);
    fc.assert(
      fc.property(fc.array(piece, { minLength: 1, maxLength: 3 }), fc.stringMatching(/^[ab.]{1,20}$/), (pieces, channel) => {
        const pattern = pieces.join('').slice(0, 40) || 'a';
        const grants = ChannelGrants.fromClaim([pattern]);
        if (grants === undefined) return pattern.split('*').length - 1 > MAX_STARS_PER_PATTERN;
        return grants.allows(channel) === reference(pattern, channel);
      }),
      { numRuns: 5000 },
    );
  });
});
