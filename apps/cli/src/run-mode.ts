import { assertSupportedNode } from '@odin-ws/shard';
import { modeConfigOf } from './mode-config.js';
import { runFeedMode } from './modes/feed.js';
import { runLoadBalancerMode } from './modes/loadbalancer.js';
import { runLocalMode } from './modes/local.js';
import { runShardMode } from './modes/shard.js';
import type { ModeOptions } from './program.js';

/** Starts the tier the settings ask for; `args` are the command line, which local mode hands its children. */
export async function runMode(options: ModeOptions, args: readonly string[]): Promise<void> {
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
}
