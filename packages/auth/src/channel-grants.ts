import { MAX_CHANNEL_LENGTH } from '@odin-ws/protocol';

/**
 * The channels a token grants, from its channels claim: exact names, `*` (everything), or
 * patterns with `*` standing for any run of characters (`BTC.*`, `*.trade`).
 *
 * Hazard: a pattern comes from a token, so from whoever can get one issued. Compiled to a regular
 * expression, each `*` became `.*`, and `a*a*a*a*a*a*a*a*b` against 60 `a`s backtracked for 16 s on
 * the event loop that serves every client. Patterns are matched here without backtracking (glob.ts
 * below: prefix, suffix, then each middle part at its leftmost place), in time linear in the
 * channel's length per `*`, and a claim may hold at most MAX_PATTERNS patterns of at most
 * MAX_STARS_PER_PATTERN `*` each.
 *
 * Hazard, still: linear is not cheap enough when a claim multiplies it. Each part between two `*`
 * costs a substring search through the whole channel, and a claim of 200 `*aaaaaaaaaaaaaaaab<n>*`
 * made every channel of a subscribe cost 200 of them: 5.5 ms per 100-channel subscribe, and ten
 * connections at the message rate limit held a shard's other clients' pings at 390 ms (p99). So
 * a claim may hold at most MAX_GLOBS patterns with `*` and MAX_MIDDLE_PARTS parts between two `*`
 * in all: each channel is checked against MAX_GLOBS patterns at most, whatever the claim. Exact
 * names cost one lookup, and a claim may list up to MAX_PATTERNS of them
 * (apps/cli/test/pattern-stall.test.ts).
 */
export class ChannelGrants {
  private constructor(
    /** Exact names, checked with one lookup. */
    private readonly exact: ReadonlySet<string>,
    private readonly globs: readonly Glob[],
    private readonly everything: boolean,
    /** As the claim listed them, for logs and errors. */
    readonly patterns: readonly string[],
  ) {}

  /** The grants a claim value states; undefined when it is not a list of valid patterns. */
  static fromClaim(claim: unknown): ChannelGrants | undefined {
    if (!Array.isArray(claim) || claim.length > MAX_PATTERNS) return undefined;
    if (!claim.every((pattern) => typeof pattern === 'string' && isValidPattern(pattern))) return undefined;
    const patterns = claim as string[];
    const globPatterns = patterns.filter((pattern) => pattern.includes('*') && pattern !== '*');
    if (globPatterns.length > MAX_GLOBS) return undefined;
    if (globPatterns.reduce((sum, pattern) => sum + middlePartsOf(pattern), 0) > MAX_MIDDLE_PARTS) return undefined;
    const exact = new Set(patterns.filter((pattern) => !pattern.includes('*')));
    const globs = globPatterns.map((pattern) => new Glob(pattern));
    return new ChannelGrants(exact, globs, patterns.includes('*'), patterns);
  }

  /** Patterns one channel may be checked against: what a subscribe costs beyond its exact names. */
  get patternChecksPerChannel(): number {
    return this.everything ? 0 : this.globs.length;
  }

  allows(channel: string): boolean {
    if (this.everything || this.exact.has(channel)) return true;
    for (const glob of this.globs) if (glob.matches(channel)) return true;
    return false;
  }

  /** The first of `channels` not granted, if any. */
  firstDenied(channels: Iterable<string>): string | undefined {
    for (const channel of channels) if (!this.allows(channel)) return channel;
    return undefined;
  }
}

/** A claim is a short list; exact names are one lookup however many there are. */
export const MAX_PATTERNS = 256;
/** Patterns with `*`: each is checked against every channel of a subscribe that no exact name grants. */
export const MAX_GLOBS = 32;
/** Real grants use one or two (`BTC.*`, `*.trade`, `BTC.*.l2`); this bounds a hostile one. */
export const MAX_STARS_PER_PATTERN = 4;

/**
 * Parts between two `*` in a whole claim (`*.BTC.*` has one): each is a substring search per
 * channel checked. Real grants use a few; measured above, a hostile claim of 200 stalled a shard.
 */
export const MAX_MIDDLE_PARTS = 16;

/** Non-empty parts between two `*`: what a match searches for (`**` searches for nothing). */
function middlePartsOf(pattern: string): number {
  return pattern
    .split('*')
    .slice(1, -1)
    .filter((part) => part !== '').length;
}

/** Channel characters plus `*`; as long as a channel name. */
const PATTERN = new RegExp(`^[A-Za-z0-9._:*-]{1,${MAX_CHANNEL_LENGTH}}$`);

function isValidPattern(pattern: string): boolean {
  return PATTERN.test(pattern) && pattern.split('*').length - 1 <= MAX_STARS_PER_PATTERN;
}

/**
 * A pattern with `*` as any run of characters, matched without backtracking: the part before the
 * first `*` must start the channel, the part after the last must end it, and each part in between
 * is taken at its leftmost place after the previous one. Leftmost is never wrong: any match that
 * places a middle part further right still matches with it moved left, since `*` takes any run.
 */
class Glob {
  private readonly parts: readonly string[];

  constructor(pattern: string) {
    this.parts = pattern.split('*');
  }

  matches(channel: string): boolean {
    const { parts } = this;
    const first = parts[0]!;
    const last = parts[parts.length - 1]!;
    if (channel.length < first.length + last.length || !channel.startsWith(first) || !channel.endsWith(last)) return false;
    const end = channel.length - last.length;
    let at = first.length;
    for (let i = 1; i < parts.length - 1; i++) {
      const part = parts[i]!;
      if (part === '') continue;
      const found = channel.indexOf(part, at);
      if (found === -1 || found + part.length > end) return false;
      at = found + part.length;
    }
    return true;
  }
}
