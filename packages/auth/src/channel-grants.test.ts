import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ChannelGrants, MAX_GLOBS, MAX_MIDDLE_PARTS, MAX_PATTERNS, MAX_STARS_PER_PATTERN } from './channel-grants.js';

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
    ['thousands of patterns', Array.from({ length: 1000 }, (_, i) => `S${i}`)],
    ['more patterns with * than allowed', Array.from({ length: MAX_GLOBS + 1 }, (_, i) => `S${i}.*`)],
    ['a pattern with more * than allowed (the backtracking bomb)', ['a*a*a*a*a*a*a*a*b']],
    ['more parts between two * than allowed, across patterns', Array.from({ length: MAX_MIDDLE_PARTS + 1 }, (_, i) => `*${'a'.repeat(16)}b${i}*`)],
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

  it(`takes ${MAX_GLOBS} patterns with * (${MAX_MIDDLE_PARTS} parts between two * in all) beside exact names up to ${MAX_PATTERNS}`, () => {
    const middles = Array.from({ length: MAX_MIDDLE_PARTS / 2 }, (_, i) => `*x${i}*y${i}*`);
    const ends = Array.from({ length: MAX_GLOBS - middles.length - 2 }, (_, i) => (i % 2 ? `P${i}.*` : `*.S${i}`));
    const exact = Array.from({ length: MAX_PATTERNS - middles.length - ends.length - 2 }, (_, i) => `E${i}.trade`);
    const grants = ChannelGrants.fromClaim([...middles, ...ends, 'a**b', '*', ...exact])!;
    expect(ChannelGrants.fromClaim([...middles, ...ends, 'a**b', '*', ...exact, 'one.more'])).toBeUndefined();
    expect(grants.allows('..x3..y3..')).toBe(true);
    expect(grants.allows('P9.trade')).toBe(true);
    expect(grants.allows('BTC.S10')).toBe(true);
    expect(grants.allows('aXb')).toBe(true); // ** searches for nothing: no middle part
    expect(grants.allows('E9.trade')).toBe(true);
    expect(ChannelGrants.fromClaim([...middles, ...ends, 'a**b'])!.allows('..y3..x3..')).toBe(false);
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
