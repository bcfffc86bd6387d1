import { assertSupportedNode } from '@odin-ws/shard';
import { runConfigCommand } from './config-command.js';
import { exitCodeOf, failureLine } from './exit-codes.js';
import { helpModeOf } from './help-mode.js';
import { modeConfigOf } from './mode-config.js';
import { runFeedMode } from './modes/feed.js';
import { runLoadBalancerMode } from './modes/loadbalancer.js';
import { runLocalMode } from './modes/local.js';
import { runShardMode } from './modes/shard.js';
import { buildProgram } from './program.js';
import { versionText } from './version.js';

const args = process.argv.slice(2);

async function main(): Promise<void> {
  if (args[0] === 'config') return runConfigCommand(args.slice(1));
  const program = buildProgram({
    versionText,
    helpMode: helpModeOf(args, process.env),
    run: async (options) => {
      // Only now: --help, --version and `config` answer on any Node; running a tier needs the supported one.
      assertSupportedNode();
      const chosen = modeConfigOf(options);
      switch (chosen.mode) {
        case 'shard':
          return runShardMode(chosen.config);
        case 'loadbalancer':
          return runLoadBalancerMode(chosen.config);
        case 'feed':
          return runFeedMode(chosen.config);
        case 'local':
          return runLocalMode(
            chosen.config,
            args.filter((arg) => !arg.startsWith('--mode')),
          );
      }
    },
  });
  await program.parseAsync(process.argv);
}

main().catch((error: unknown) => {
  // Usage, configuration and start-up failures (port in use, uWS binary missing, Kafka unreachable
  // at start) end here: one line with the code, and the exit status that says which (exit-codes.ts).
  const status = exitCodeOf(error);
  if (status !== 0) process.stderr.write(failureLine(error));
  process.exit(status);
});
