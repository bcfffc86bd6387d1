import { MODES, type Mode } from '@odin-ws/config';

/** The mode `--help` is asked about: `--mode=x` or `--mode x` on the command line, else ODIN_MODE. */
export function helpModeOf(args: readonly string[], env: NodeJS.ProcessEnv): Mode | undefined {
  let named: string | undefined = env['ODIN_MODE'];
  args.forEach((arg, index) => {
    if (arg.startsWith('--mode=')) named = arg.slice('--mode='.length);
    else if (arg === '--mode') named = args[index + 1];
  });
  return MODES.find((mode) => mode === named);
}
