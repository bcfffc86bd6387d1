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
    const exact = new Set(patterns.filter((pattern) => !pattern.includes('*')));
    const globs = patterns.filter((pattern) => pattern.includes('*')).map((pattern) => new Glob(pattern));
    return new ChannelGrants(exact, globs, patterns.includes('*'), patterns);
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

/** A claim is a short list; this bounds the work one subscribe can cost. */
export const MAX_PATTERNS = 256;
/** Real grants use one or two (`BTC.*`, `*.trade`, `BTC.*.l2`); this bounds a hostile one. */
export const MAX_STARS_PER_PATTERN = 4;

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
