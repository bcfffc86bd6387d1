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
