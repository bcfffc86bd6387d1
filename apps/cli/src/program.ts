import {
  type EffectiveOptions,
  formatOptionDefault,
  groupOf,
  helpSummary,
  MODES,
  type Mode,
  OPTION_SPECS,
  type OptionKey,
  type OptionSpec,
  type OptionValues,
  readConfigFile,
  withConfigFile,
} from '@odin-ws/config';
import { describeError, OdinError } from '@odin-ws/errors';
import { Command, InvalidArgumentError, Option } from 'commander';

export type ModeOptions = EffectiveOptions & { mode: Mode };

export interface ProgramOptions {
  /** What to do with the settings once flags, ODIN_* variables, the --config file and defaults are merged. */
  run: (options: ModeOptions) => Promise<void>;
  /** The mode whose flags --help lists (the others are still accepted); undefined: the general ones only. */
  helpMode: Mode | undefined;
  name?: string;
}

/** A default longer than this reads "see docs" in --help, so each flag keeps to one line. */
const HELP_DEFAULT_MAX = 24;
const HELP_WIDTH = 120;

/**
 * The commander program, generated from OPTION_SPECS: each flag also reads its ODIN_* variable, and
 * --help shows one line per flag, grouped by concern (docs/configuration.md has the rest). Errors
 * are thrown (exitOverride), not printed: main.ts prints one line and exits with the code that
 * says what kind of failure it was (exit-codes.ts).
 */
export function buildProgram({ run, helpMode, name = 'odin-ws' }: ProgramOptions): Command {
  const program = new Command(name)
    .description('WebSocket fan-out of Kafka market data: shard tier, load balancer, demo feed, or a whole local fleet')
    .addOption(new Option('--mode <mode>', `what to run: ${MODES.join(', ')}`).choices(MODES).env('ODIN_MODE').helpGroup('General:'))
    // Answered by main.ts before parsing (version.ts); listed here for --help.
    .addOption(new Option('-V, --version', 'print the odin-ws, Node and uWebSockets.js versions').helpGroup('General:'))
    .addHelpOption(new Option('-h, --help', "show help (with --mode=<mode>: that mode's flags)").helpGroup('General:'))
    .allowExcessArguments(false)
    .exitOverride()
    .configureOutput({ writeErr: () => {} })
    .configureHelp({ helpWidth: HELP_WIDTH, optionDescription: (option) => option.description })
    .addHelpText('after', helpFooter(helpMode));
  for (const spec of OPTION_SPECS) {
    const option = toCommanderOption(spec);
    program.addOption(shownInHelp(spec, helpMode) ? option : option.hideHelp());
  }
  program.action(async (parsed: OptionValues & { mode?: Mode }) => {
    const sourceOf = (key: OptionKey) => {
      const source = program.getOptionValueSource(key);
      return source === 'cli' ? 'flag' : source === 'env' ? 'env' : 'default';
    };
    const file = parsed.config === '' ? undefined : readConfigFile(parsed.config);
    const modeSource = program.getOptionValueSource('mode');
    const effective = withConfigFile({ mode: parsed.mode, values: parsed, modeGiven: modeSource === 'cli' || modeSource === 'env' }, sourceOf, file);
    if (effective.mode === undefined)
      throw new OdinError('E_USAGE', `--mode is required (${MODES.join(', ')}): give --mode, ODIN_MODE or mode: in the --config file`);
    await run(effective as ModeOptions);
  });
  return program;
}

/** Every flag is accepted in every mode (local mode hands its flags to its children); --help lists the asked mode's. */
function shownInHelp(spec: OptionSpec, helpMode: Mode | undefined): boolean {
  return helpMode === undefined ? groupOf(spec.key as OptionKey) === 'General' : spec.modes.includes(helpMode);
}

function toCommanderOption(spec: OptionSpec): Option {
  const shownDefault = formatOptionDefault(spec);
  const option = new Option(spec.flag, `${helpSummary(spec)} [${shownDefault.length <= HELP_DEFAULT_MAX ? shownDefault : 'see docs'}]`).helpGroup(
    `${groupOf(spec.key as OptionKey)}:`,
  );
  // A bare switch (`--kafka-ssl`) goes through the parser as its preset value ('on').
  if (spec.preset !== undefined) option.preset(spec.preset);
  return option
    .env(spec.env)
    .default(spec.defaultValue, shownDefault)
    .argParser((raw: string) => {
      try {
        return spec.parse(raw);
      } catch (error) {
        throw new InvalidArgumentError(describeError(error));
      }
    });
}

function helpFooter(helpMode: Mode | undefined): string {
  return [
    '',
    helpMode === undefined ? `Each mode's flags: odin-ws --mode=<${MODES.join('|')}> --help` : '',
    'Commands: odin-ws config check [--config <file>] [flags]   odin-ws config example --mode <mode>',
    'Each flag also reads an ODIN_* variable (--max-connections: ODIN_MAX_CONNECTIONS).',
    'Precedence: flag > ODIN_* > --config file > default. Exit codes: 64 usage, 78 configuration, 1 run time.',
    'Every flag in full: docs/configuration.md',
  ]
    .filter((line, index) => index === 0 || line !== '')
    .join('\n');
}
