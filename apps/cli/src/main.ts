import { runConfigCommand } from './config-command.js';
import { exitCodeOf, failureLine } from './exit-codes.js';
import { helpModeOf } from './help-mode.js';
import { buildProgram } from './program.js';
import { asksForVersion, versionText } from './version.js';

// Only the CLI's own modules load up front: the tiers' code (run-mode.ts) is imported when a tier
// starts, so --help, --version and `config` answer on any Node, and quickly.
const args = process.argv.slice(2);

async function main(): Promise<void> {
  if (asksForVersion(args)) {
    process.stdout.write(`${await versionText()}\n`);
    return;
  }
  if (args[0] === 'config') return runConfigCommand(args.slice(1));
  const program = buildProgram({
    helpMode: helpModeOf(args, process.env),
    run: async (options) => (await import('./run-mode.js')).runMode(options, args),
  });
  await program.parseAsync(process.argv);
}

main().then(
  // A tier keeps running on its own; --help and the rest end here.
  () => undefined,
  (error: unknown) => {
    // Usage, configuration and start-up failures (port in use, uWS binary missing, Kafka unreachable
    // at start) end here: one line with the code, and the exit status that says which (exit-codes.ts).
    const status = exitCodeOf(error);
    if (status !== 0) process.stderr.write(failureLine(error));
    process.exit(status);
  },
);
