import { LOG_LEVELS, type LogLevel } from './log-levels.js';
import { ALL, type OptionSpec, option } from './option-spec.js';
import { ACCESS_OPTIONS } from './options-access.js';
import { KAFKA_OPTIONS } from './options-kafka.js';
import { LOAD_BALANCER_OPTIONS } from './options-loadbalancer.js';
import { LOCAL_OPTIONS } from './options-local.js';
import { SHARD_OPTIONS } from './options-shard.js';
import { choice, text } from './parsers.js';

export { flagTextOf, formatOptionDefault, MODES, type Mode, type OptionSpec, SASL_MECHANISM_OPTIONS, type SaslMechanismOption } from './option-spec.js';

/**
 * Every flag of `odin-ws`, in one table (by area, in the options-*.ts files): its environment
 * variable, default, parser and the modes that read it. The CLI is generated from this table, so
 * `--help`, the environment and the documentation cannot drift apart.
 */
export const OPTION_SPECS = [
  option({
    key: 'logLevel',
    flag: '--log-level <level>',
    env: 'ODIN_LOG_LEVEL',
    description: 'pino log level',
    defaultValue: 'info' as LogLevel,
    parse: choice(LOG_LEVELS),
    modes: ALL,
  }),
  option({
    key: 'config',
    flag: '--config <file>',
    env: 'ODIN_CONFIG',
    summary: 'a YAML or JSON file of settings, keyed by flag name',
    description:
      'a YAML or JSON file of settings, keyed by flag name without the dashes (`max-connections: 20000`, `mode: shard`); a flag or ODIN_* variable given as well wins over the file',
    defaultValue: '',
    defaultLabel: 'none',
    parse: text(),
    modes: ALL,
  }),
  ...KAFKA_OPTIONS,
  ...SHARD_OPTIONS,
  ...LOAD_BALANCER_OPTIONS,
  ...ACCESS_OPTIONS,
  ...LOCAL_OPTIONS,
] as const satisfies readonly OptionSpec[];

export type OptionSpecs = typeof OPTION_SPECS;
export type OptionKey = OptionSpecs[number]['key'];

/**
 * Option values as the CLI parsed them, typed from the table: `values.maxConnections` is a number,
 * and a misspelt or removed key is a compile error, not an undefined at run time.
 */
export type OptionValues = { [S in OptionSpecs[number] as S['key']]: S extends OptionSpec<string, infer T> ? T : never };

/**
 * The options an environment sets (its ODIN_* variables, parsed as the CLI parses them), the rest at
 * their defaults: for tools that take no flags of their own for these (the bench's producer, tests).
 */
export function optionValuesFromEnvironment(env: NodeJS.ProcessEnv): OptionValues {
  const values: Record<string, unknown> = { ...defaultOptionValues() };
  for (const spec of OPTION_SPECS) {
    const raw = env[spec.env];
    if (raw !== undefined) values[spec.key] = spec.parse(raw);
  }
  return values as OptionValues;
}

/** Every option at its default: a base for tests and for building a config from a few overrides. */
export function defaultOptionValues(): OptionValues {
  return Object.fromEntries(OPTION_SPECS.map((spec) => [spec.key, spec.defaultValue])) as OptionValues;
}
