import { describeError, OdinError } from '@odin-ws/errors';
import { type ConfigFile, fileKeyOf } from './config-file.js';
import type { Mode } from './option-spec.js';
import { OPTION_SPECS, type OptionKey, type OptionValues } from './options.js';

/** Where a setting's value came from, strongest first: flag > environment > --config file > default. */
export type OptionSource = { kind: 'flag' } | { kind: 'env'; name: string } | { kind: 'file'; path: string } | { kind: 'default' };

export interface EffectiveOptions {
  mode: Mode | undefined;
  values: OptionValues;
  sources: Map<OptionKey, OptionSource>;
}

/**
 * Lays a --config file under what the command line and the environment already set: a key takes
 * the file's value only where neither gave one. `parsed` holds the CLI's values (flags, variables,
 * defaults) and `sourceOf` says which of those each came from.
 */
export function withConfigFile(
  parsed: { mode: Mode | undefined; values: OptionValues; modeGiven: boolean },
  sourceOf: (key: OptionKey) => 'flag' | 'env' | 'default',
  file: ConfigFile | undefined,
): EffectiveOptions {
  const values: Record<string, unknown> = { ...parsed.values };
  const sources = new Map<OptionKey, OptionSource>();
  for (const spec of OPTION_SPECS) {
    const given = sourceOf(spec.key);
    const raw = file?.raw.get(spec.key);
    if (given === 'default' && file && raw !== undefined) {
      values[spec.key] = parseFileValue(spec.key, raw, file.path);
      sources.set(spec.key, { kind: 'file', path: file.path });
    } else sources.set(spec.key, given === 'env' ? { kind: 'env', name: spec.env } : { kind: given });
  }
  const mode = parsed.modeGiven ? parsed.mode : (file?.mode ?? parsed.mode);
  return { mode, values: values as OptionValues, sources };
}

/** A file value through the flag's own parser; a refusal names the key, the value and the rule, in one line. */
function parseFileValue(key: OptionKey, raw: string, path: string): unknown {
  const spec = OPTION_SPECS.find((candidate) => candidate.key === key)!;
  try {
    return spec.parse(raw);
  } catch (error) {
    const name = fileKeyOf(spec.flag);
    throw new OdinError('E_INVALID_OPTION_VALUE', `${name}: ${JSON.stringify(raw)} in --config ${path}: ${describeError(error)}`, {
      key: name,
      value: raw,
      path,
    });
  }
}

/** How a source reads in `odin-ws config check`. */
export function describeSource(source: OptionSource): string {
  switch (source.kind) {
    case 'flag':
      return 'flag';
    case 'env':
      return `env ${source.name}`;
    case 'file':
      return `file ${source.path}`;
    case 'default':
      return 'default';
  }
}
