import { feedConfigFrom, loadBalancerConfigFrom, localConfigFrom, shardConfigFrom } from '@odin-ws/config';
import { assertSupportedNode } from '@odin-ws/shard';
import { runFeedMode } from './modes/feed.js';
import { runLoadBalancerMode } from './modes/loadbalancer.js';
import { runLocalMode } from './modes/local.js';
import { runShardMode } from './modes/shard.js';
import { buildProgram } from './program.js';
import { failureLine } from './shutdown.js';
import { versionText } from './version.js';

try {
  assertSupportedNode();
} catch (error) {
  process.stderr.write(failureLine(error));
  process.exit(1);
}

const program = buildProgram(async (mode, values, given) => {
  switch (mode) {
    case 'shard':
      return runShardMode(shardConfigFrom(values));
    case 'loadbalancer':
      return runLoadBalancerMode(loadBalancerConfigFrom(values));
    case 'feed':
      return runFeedMode(feedConfigFrom(values));
    case 'local':
      return runLocalMode(
        localConfigFrom(values, given.has('kafkaBrokers')),
        process.argv.slice(2).filter((arg) => !arg.startsWith('--mode')),
      );
  }
}, versionText);

program.parseAsync(process.argv).catch((error: unknown) => {
  // Start-up failures (port in use, uWS binary missing, Kafka unreachable at start) end here:
  // one line with the code, and a non-zero exit.
  process.stderr.write(failureLine(error));
  process.exit(1);
});
