import { formatOptionDefault, MODES, type Mode, OPTION_SPECS, type OptionKey, type OptionSpec, type OptionValues } from '@odin-ws/config';
import { describeError } from '@odin-ws/errors';
import { Command, InvalidArgumentError, Option } from 'commander';

/**
 * The commander program, generated from OPTION_SPECS: each flag also reads its ODIN_* environment
 * variable, and --help shows both with the default. A bad value exits 1 with one line naming the
 * flag and what was expected.
 */
export function buildProgram(run: (mode: Mode, values: OptionValues, given: Set<OptionKey>) => Promise<void>, versionText: () => string): Command {
  const program = new Command('odin-ws')
    .description('WebSocket fan-out of Kafka market data: shard tier, demo feed, or a whole local fleet')
    .addOption(new Option('--mode <mode>', 'what to run').choices(MODES).env('ODIN_MODE').makeOptionMandatory())
    .addOption(new Option('-V, --version', 'print the odin-ws, Node and uWebSockets.js versions (and the uWS binary), one line each'))
    .allowExcessArguments(false);
  // Handled as it is parsed, before --mode is required.
  program.on('option:version', () => {
    process.stdout.write(`${versionText()}\n`);
    process.exit(0);
  });
  for (const spec of OPTION_SPECS) program.addOption(toCommanderOption(spec));
  program.action(async (values: OptionValues & { mode: Mode }) => {
    // Typed from the table: commander gave every option its default or the value its parser returned.
    const given = new Set<OptionKey>(OPTION_SPECS.filter((spec) => program.getOptionValueSource(spec.key) !== 'default').map((spec) => spec.key));
    await run(values.mode, values, given);
  });
  return program;
}

function toCommanderOption(spec: OptionSpec): Option {
  const option = new Option(spec.flag, `${spec.description} [${spec.modes.join(', ')}]`);
  // A bare switch (`--kafka-ssl`) goes through the parser as its preset value ('on').
  if (spec.preset !== undefined) option.preset(spec.preset);
  return option
    .env(spec.env)
    .default(spec.defaultValue, formatOptionDefault(spec))
    .argParser((raw: string) => {
      try {
        return spec.parse(raw);
      } catch (error) {
        throw new InvalidArgumentError(describeError(error));
      }
    });
}
