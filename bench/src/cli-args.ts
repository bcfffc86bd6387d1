import { InvalidArgumentError } from 'commander';

// Parsers of bench flags: a clear error naming the value, never a NaN run.

export function whole(raw: string): number {
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 0) throw new InvalidArgumentError(`expected a whole number >= 0, got '${raw}'`);
  return value;
}

export function positive(raw: string): number {
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1) throw new InvalidArgumentError(`expected a whole number >= 1, got '${raw}'`);
  return value;
}

/** A comma-separated list option whose items must be some of `allowed`. */
export function choices<T extends string>(allowed: readonly T[]): (raw: string) => T[] {
  return (raw) => {
    const items = raw.split(',').filter(Boolean);
    if (items.length === 0 || items.some((item) => !(allowed as readonly string[]).includes(item))) {
      throw new InvalidArgumentError(`expected some of ${allowed.join(',')}, got '${raw}'`);
    }
    return items as T[];
  };
}
