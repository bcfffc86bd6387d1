import type { ShardConfig } from '@odin-ws/config';
import { createLogger } from '@odin-ws/observability';
import { startShard } from '@odin-ws/shard';
import { logRuntime } from '../runtime-facts.js';
import { exitAfterDrainOnSignal, exitOnFatal } from '../shutdown.js';

export async function runShardMode(config: ShardConfig): Promise<void> {
  const logger = createLogger({ level: config.logLevel, base: { mode: 'shard', shardId: config.shardId } });
  logRuntime(logger);
  const server = await startShard(config, logger);
  exitAfterDrainOnSignal(logger, config.drainTimeoutS * 1000, () => server.drain());
  server.onFatal((error) => exitOnFatal(logger, error));
}
