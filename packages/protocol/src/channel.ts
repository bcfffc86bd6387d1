/**
 * Channel names are the subscription keys and the uWS topic names. They are built from Kafka
 * record keys (untrusted) and sent by clients (untrusted), so both sides are held to one rule:
 * a short run of ASCII letters, digits and `. _ : -`. That keeps them safe to embed in JSON
 * without escaping and keeps a hostile key from creating unbounded or confusing topics.
 */
export const MAX_CHANNEL_LENGTH = 128;

const CHANNEL_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._:-]*$/;

export function isValidChannel(value: unknown): value is string {
  return typeof value === 'string' && value.length > 0 && value.length <= MAX_CHANNEL_LENGTH && CHANNEL_PATTERN.test(value);
}

/**
 * Rate variants of a state channel: `<channel>@<n>ms` (e.g. `BTC.book@1000ms`) delivers at most one
 * envelope per n ms, always the channel's latest. Only these intervals exist, so each is one timer
 * and one uWS topic per channel on a shard, whatever the number of subscribers.
 */
export const RATE_VARIANT_INTERVALS_MS: readonly number[] = [100, 250, 500, 1000, 5000];

const RATE_VARIANT_PATTERN = /^(.+)@([1-9]\d{2,3})ms$/;

/** The channel and interval a rate variant names; undefined for a plain channel or an interval not offered. */
export function parseRateVariant(name: string): { base: string; intervalMs: number } | undefined {
  const match = RATE_VARIANT_PATTERN.exec(name);
  if (!match || !isValidChannel(match[1])) return undefined;
  const intervalMs = Number(match[2]);
  return RATE_VARIANT_INTERVALS_MS.includes(intervalMs) ? { base: match[1]!, intervalMs } : undefined;
}

/** The name of a channel's rate variant: the one place that writes what parseRateVariant reads. */
export function rateVariantName(base: string, intervalMs: number): string {
  return `${base}@${intervalMs}ms`;
}

/** The channel a subscription name is about: itself, or the channel a rate variant conflates. */
export function baseChannelOf(name: string): string {
  return parseRateVariant(name)?.base ?? name;
}

/** What a client may subscribe to: a channel, or a rate variant of one. */
export function isValidSubscriptionName(value: unknown): value is string {
  return isValidChannel(value) || (typeof value === 'string' && parseRateVariant(value) !== undefined);
}
