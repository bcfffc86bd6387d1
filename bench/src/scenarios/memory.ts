import { setTimeout as sleep } from 'node:timers/promises';
import { startFleet } from '../fleet.js';
import { LoadGenerator } from '../loadgen/pool.js';
import { CpuWindow } from '../process-cpu.js';
import { childPids, rssBytes } from '../process-memory.js';
import { round } from '../stats.js';

export interface MemoryOptions {
  connections: number;
  shards: number;
  lbWorkers: number;
  progress: (line: string) => void;
}

export interface MemoryResult {
  scenario: 'memory';
  connections: number;
  connected: number;
  shards: number;
  lbWorkers: number;
  /** RSS growth of all shard processes together, divided by the connections. */
  shardBytesPerConnection: number;
  /** RSS growth of all load-balancer workers together, divided by the connections. */
  lbBytesPerConnection: number;
  shardRssMb: { before: number; after: number };
  lbRssMb: { before: number; after: number };
  /** CPU seconds while the clients connected and settled: shards, LB, and the load generator's workers. */
  cpuSeconds: { shards: number; lb: number; loadGenerator: number };
}

const SETTLE_MS = 3000;

/**
 * RSS per idle connection (each subscribed to one channel), for the shards and the load-balancer
 * workers: resident memory after the clients connected, minus before, over the clients. The seed
 * system measured 0.3 MB per connection.
 */
export async function runMemory(options: MemoryOptions): Promise<MemoryResult> {
  const fleet = await startFleet({ shards: options.shards, lbWorkers: options.lbWorkers });
  const generator = new LoadGenerator((open) => options.progress(`memory: ${open}/${options.connections} connected`));
  const shardPids = fleet.shards.map((shard) => shard.child.pid!);
  const lbPids = fleet.lb ? childPids(fleet.lb.child.pid!) : [];
  const measure = (pids: number[]) => pids.reduce((sum, pid) => sum + rssBytes(pid), 0);
  try {
    await sleep(SETTLE_MS);
    const shardBefore = measure(shardPids);
    const lbBefore = measure(lbPids);
    const cpu = new CpuWindow({ shards: () => shardPids, lb: () => lbPids, loadGenerator: () => generator.pids() });
    const ready = await generator.connect({ urls: fleet.urls, connections: options.connections, channels: [fleet.channel] });
    await sleep(SETTLE_MS);
    const shardAfter = measure(shardPids);
    const lbAfter = measure(lbPids);
    const mb = (bytes: number) => round(bytes / 2 ** 20, 1);
    return {
      scenario: 'memory',
      connections: options.connections,
      connected: ready.open,
      shards: options.shards,
      lbWorkers: options.lbWorkers,
      shardBytesPerConnection: Math.round((shardAfter - shardBefore) / Math.max(1, ready.open)),
      lbBytesPerConnection: Math.round((lbAfter - lbBefore) / Math.max(1, ready.open)),
      shardRssMb: { before: mb(shardBefore), after: mb(shardAfter) },
      lbRssMb: { before: mb(lbBefore), after: mb(lbAfter) },
      cpuSeconds: cpu.spent(),
    };
  } finally {
    generator.stop();
    await fleet.stop();
  }
}
