import type { Parser } from './parsers.js';

export const MODES = ['shard', 'loadbalancer', 'feed', 'local'] as const;
export type Mode = (typeof MODES)[number];

/** One flag of `odin-ws`: its environment variable, default, parser and the modes that read it. */
export interface OptionSpec<K extends string = string, T = unknown> {
  /** Key in the parsed values, e.g. `maxConnections`: commander's name for the flag. */
  key: K;
  /** Flag as commander spells it, e.g. `--max-connections <n>`. */
  flag: string;
  env: string;
  description: string;
  /** The one line --help shows, where the description's first clause would not do (option-groups.ts). */
  summary?: string;
  defaultValue: T;
  /** How the default reads in --help and the docs, when its value alone would mislead. */
  defaultLabel?: string;
  parse: Parser<T>;
  modes: readonly Mode[];
  /** The value a bare flag stands for, for flags whose value is optional (`--kafka-ssl` means on). */
  preset?: string;
}

/** Declares an option, keeping its key and value types for the OptionValues type (options.ts). */
export function option<const K extends string, T>(spec: OptionSpec<K, T>): OptionSpec<K, T> {
  return spec;
}

export const ALL: readonly Mode[] = MODES;

export const SASL_MECHANISM_OPTIONS = ['none', 'plain', 'scram-sha-256', 'scram-sha-512', 'oauthbearer'] as const;
export type SaslMechanismOption = (typeof SASL_MECHANISM_OPTIONS)[number];
export const KAFKA_MODES: readonly Mode[] = ['shard', 'feed', 'local'];
export const LB_MODES: readonly Mode[] = ['loadbalancer', 'local'];
export const AUTH_MODES: readonly Mode[] = ['shard', 'loadbalancer', 'local'];

/** A default as a user would type it: lists and maps comma-separated, '' as "derived". */
export function formatOptionDefault(spec: Pick<OptionSpec, 'defaultValue' | 'defaultLabel'>): string {
  if (spec.defaultLabel !== undefined) return spec.defaultLabel;
  return spec.defaultValue === '' ? 'derived' : flagTextOf(spec.defaultValue);
}

/** A parsed value as its flag would be written: switches on/off, lists and maps comma-separated. */
export function flagTextOf(value: unknown): string {
  if (typeof value === 'boolean') return value ? 'on' : 'off';
  if (Array.isArray(value)) return value.join(',');
  if (typeof value === 'object' && value !== null)
    return Object.entries(value)
      .map(([k, v]) => `${k}=${String(v)}`)
      .join(',');
  return String(value);
}
