import { accessSync, constants } from 'node:fs';
import { fileKeyOf, MODES, type Mode, OPTION_SPECS, renderEffectiveConfig, renderExampleConfig } from '@odin-ws/config';
import { OdinError } from '@odin-ws/errors';
import { Command, Option } from 'commander';
import { helpModeOf } from './help-mode.js';
import { modeConfigOf } from './mode-config.js';
import { buildProgram, type ModeOptions } from './program.js';

/**
 * `odin-ws config check [--config f] [flags]`: the settings a start with the same arguments and
 * environment would use, checked the way a start checks them, printed with where each came from;
 * nothing is started. `odin-ws config example --mode <m>`: a commented file to start from.
 */
export async function runConfigCommand(args: string[]): Promise<void> {
  const [command, ...rest] = args;
  if (command === 'check') {
    const program = buildProgram({
      name: 'odin-ws config check',
      helpMode: helpModeOf(rest, process.env),
      run: async (options) => check(options),
    });
    await program.parseAsync(rest, { from: 'user' });
    return;
  }
  if (command === 'example') {
    await new Command('odin-ws config example')
      .addOption(new Option('--mode <mode>', 'the mode the file is for').choices(MODES).makeOptionMandatory())
      .exitOverride()
      .configureOutput({ writeErr: () => {} })
      .action(({ mode }: { mode: Mode }) => {
        process.stdout.write(renderExampleConfig(mode));
      })
      .parseAsync(rest, { from: 'user' });
    return;
  }
  throw new OdinError('E_USAGE', `odin-ws config: expected check or example, got ${JSON.stringify(command ?? '')}`, { command });
}

function check(options: ModeOptions): void {
  modeConfigOf(options);
  assertNamedFilesReadable(options);
  process.stdout.write(renderEffectiveConfig(options, process.env));
}

/** Files the settings name (keys, CAs, shard lists) must be readable now, not at 3 a.m. on a restart. */
function assertNamedFilesReadable({ mode, values }: ModeOptions): void {
  for (const spec of OPTION_SPECS) {
    if (!spec.modes.includes(mode) || spec.key === 'config' || !/<(path|pem|file)>/.test(spec.flag)) continue;
    const path = values[spec.key as keyof typeof values];
    if (typeof path !== 'string' || path === '') continue;
    try {
      accessSync(path, constants.R_OK);
    } catch (error) {
      const reason = (error as NodeJS.ErrnoException).code ?? 'unreadable';
      throw new OdinError('E_INVALID_OPTION_VALUE', `${fileKeyOf(spec.flag)}: ${JSON.stringify(path)}: cannot read it (${reason})`, {
        key: fileKeyOf(spec.flag),
        value: path,
      });
    }
  }
}
