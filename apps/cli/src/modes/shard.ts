import type { ShardConfig } from '@odin-ws/config';
import { createLogger } from '@odin-ws/observability';
import { startShard } from '@odin-ws/shard';
import { exitAfterDrainOnSignal, exitOnFatal } from '../shutdown.js';
import { logRuntime } from '../version.js';

export async function runShardMode(config: ShardConfig): Promise<void> {
  const logger = createLogger({ level: config.logLevel, base: { mode: 'shard', shardId: config.shardId } });
  logRuntime(logger);
  const server = await startShard(config, logger);
  exitAfterDrainOnSignal(logger, config.drainTimeoutS * 1000, () => server.drain());
  server.onFatal((error) => exitOnFatal(logger, error));
}
