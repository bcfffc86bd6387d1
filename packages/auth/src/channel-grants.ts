import { MAX_CHANNEL_LENGTH } from '@odin-ws/protocol';

/**
 * The channels a token grants, from its channels claim: exact names, `*` (everything), or
 * patterns with `*` standing for any run of characters (`BTC.*`, `*.trade`). Compiled once per
 * token into one regular expression, so a subscribe checks each channel with one test.
 */
export class ChannelGrants {
  private constructor(
    private readonly pattern: RegExp,
    /** As the claim listed them, for logs and errors. */
    readonly patterns: readonly string[],
  ) {}

  /** Every channel: a token without the claim. */
  static readonly ALL = new ChannelGrants(/^/, ['*']);

  /** The grants a claim value states; undefined when it is not a list of valid patterns. */
  static fromClaim(claim: unknown): ChannelGrants | undefined {
    if (!Array.isArray(claim) || claim.length > MAX_PATTERNS) return undefined;
    if (!claim.every((pattern) => typeof pattern === 'string' && PATTERN.test(pattern))) return undefined;
    const patterns = claim as string[];
    if (patterns.includes('*')) return new ChannelGrants(/^/, patterns);
    // An empty list grants nothing: (?!) never matches.
    const alternatives = patterns.map((pattern) => pattern.split('*').map(escapeRegExp).join('.*'));
    return new ChannelGrants(new RegExp(alternatives.length === 0 ? '(?!)' : `^(?:${alternatives.join('|')})$`), patterns);
  }

  allows(channel: string): boolean {
    return this.pattern.test(channel);
  }

  /** The first of `channels` not granted, if any. */
  firstDenied(channels: Iterable<string>): string | undefined {
    for (const channel of channels) if (!this.allows(channel)) return channel;
    return undefined;
  }
}

/** Channel characters plus `*`; as long as a channel name. */
const PATTERN = new RegExp(`^[A-Za-z0-9._:*-]{1,${MAX_CHANNEL_LENGTH}}$`);
/** A claim is a short list; this bounds the regular expression a token can make the server build. */
const MAX_PATTERNS = 256;

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
