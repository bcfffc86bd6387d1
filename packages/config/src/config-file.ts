import { readFileSync } from 'node:fs';
import { describeError, OdinError } from '@odin-ws/errors';
import { parse as parseYaml } from 'yaml';
import { MODES, type Mode } from './option-spec.js';
import { OPTION_SPECS, type OptionKey } from './options.js';

/**
 * A `--config` file: YAML or JSON (YAML reads both), one key per flag, spelt as the flag without
 * its dashes (`max-connections: 20000`), plus `mode`. Values are what the flag would take: lists and
 * maps may be written as YAML lists and maps. Each value goes through the flag's own parser when
 * the configuration is built (effective-options.ts), so a file is held to the flag's rules.
 */
export interface ConfigFile {
  path: string;
  mode: Mode | undefined;
  /** Each key's value as the flag would read it (`a,b`, `topic=trade`, `on`). */
  raw: Map<OptionKey, string>;
}

const KEY_OF_FILE_NAME = new Map<string, OptionKey>(OPTION_SPECS.map((spec) => [fileKeyOf(spec.flag), spec.key]));

/** The file key of a flag: `--max-connections <n>` -> `max-connections`. */
export function fileKeyOf(flag: string): string {
  return flag.split(' ')[0]!.replace(/^--/, '');
}

export function readConfigFile(path: string): ConfigFile {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw configFileError(path, `cannot read it (${(error as NodeJS.ErrnoException).code ?? describeError(error)})`);
  }
  let document: unknown;
  try {
    // A file of a few kilobytes: aliases are refused so a hostile one cannot expand without bound.
    document = parseYaml(text, { maxAliasCount: 0, uniqueKeys: true });
  } catch (error) {
    throw configFileError(path, `not YAML or JSON: ${describeError(error).split('\n')[0]}`);
  }
  if (document === null || document === undefined) return { path, mode: undefined, raw: new Map() };
  if (typeof document !== 'object' || Array.isArray(document)) throw configFileError(path, 'expected a map of flag names to values at the top');
  const raw = new Map<OptionKey, string>();
  let mode: Mode | undefined;
  for (const [name, value] of Object.entries(document)) {
    if (name === 'mode') {
      if (!MODES.includes(value as Mode)) throw configFileError(path, `mode: expected one of ${MODES.join(', ')}, got ${describeValue(value)}`, name);
      mode = value as Mode;
      continue;
    }
    const key = KEY_OF_FILE_NAME.get(name);
    // The value is not echoed: a misplaced secret (`kafka-sasl-password: …`) must not reach a log.
    if (key === undefined || key === 'config')
      throw configFileError(path, `${name}: not a setting of odin-ws (keys are the flags' names without the dashes)`, name);
    raw.set(key, flagText(path, name, value));
  }
  return { path, mode, raw };
}

/** A file value as the flag's text: lists comma-separated, maps as `key=value` pairs, switches `on`/`off`. */
function flagText(path: string, name: string, value: unknown): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'bigint') return String(value);
  if (typeof value === 'boolean') return value ? 'on' : 'off';
  if (Array.isArray(value) && value.every((item) => ['string', 'number'].includes(typeof item))) return value.join(',');
  if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
    const entries = Object.entries(value);
    if (entries.every(([, item]) => ['string', 'number'].includes(typeof item))) return entries.map(([k, item]) => `${k}=${item}`).join(',');
  }
  throw configFileError(path, `${name}: expected a string, number, on/off, a list or a map, got ${describeValue(value)}`, name);
}

function describeValue(value: unknown): string {
  if (value === null) return 'nothing';
  if (Array.isArray(value)) return 'a list of other things';
  return typeof value === 'object' ? 'a map' : JSON.stringify(value);
}

function configFileError(path: string, problem: string, key?: string): OdinError {
  return new OdinError('E_CONFIG_FILE', `--config ${path}: ${problem}`, { path, ...(key === undefined ? {} : { key }) });
}
