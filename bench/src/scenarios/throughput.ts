import { setTimeout as sleep } from 'node:timers/promises';
import { runFeed } from '@odin-ws/feed';
import { createKafkaJsSink } from '@odin-ws/kafka';
import { createLogger } from '@odin-ws/observability';
import { kafkaConnection } from '@odin-ws/testkit';
import { type ScenarioFleetOptions, startScenarioFleet } from '../fleet.js';
import { percentilesOf } from '../latency.js';
import { LoadGenerator } from '../loadgen/pool.js';
import { cpuSecondsOf, totalCpuTimes } from '../process-cpu.js';
import { childPids } from '../process-memory.js';
import { round } from '../stats.js';

export interface ThroughputOptions extends ScenarioFleetOptions {
  connections: number;
  /** Distinct channels (symbols) records are spread over. */
  channels: number;
  /** Channels each client subscribes to, picked at random. */
  perClient: number;
  /** Records per second. */
  rate: number;
  durationS: number;
}

export interface ThroughputResult {
  scenario: 'throughput';
  path: 'lb' | 'direct';
  connections: number;
  channels: number;
  perClient: number;
  rate: number;
  durationS: number;
  connected: number;
  produced: number;
  delivered: number;
  framesPerSecond: number;
  p50Ms: number;
  p95Ms: number;
  p99Ms: number;
  maxMs: number;
  /** CPU seconds per million delivered frames, for all shards together and all LB workers together. */
  shardCpuSecondsPerMillionFrames: number;
  lbCpuSecondsPerMillionFrames: number;
  loadGeneratorCpuSeconds: number;
}

/**
 * The seeds' production pattern: many clients, several channels, each client on a random few, a
 * steady record rate from the demo feed's generator. Reports delivered frames per second, CPU cost
 * per million frames of each server tier, and latency.
 */
export async function runThroughput(options: ThroughputOptions): Promise<ThroughputResult> {
  const fleet = await startScenarioFleet(options);
  const symbols = Array.from({ length: options.channels }, (_, i) => `SYM${i}`);
  const generator = new LoadGenerator((open, received) =>
    options.progress(`throughput ${options.direct ? 'direct' : 'lb'}: ${open}/${options.connections} connected, ${received} frames`),
  );
  const logger = createLogger({ level: 'error', base: {} });
  const sink = await createKafkaJsSink({ connection: kafkaConnection(), clientId: 'odin-ws-bench', logger });
  try {
    const ready = await generator.connect({
      urls: fleet.urls,
      connections: options.connections,
      channels: symbols.map((symbol) => `${symbol}.${fleet.channel.slice(fleet.channel.indexOf('.') + 1)}`),
      perClient: options.perClient,
    });
    const shardPids = fleet.shards.map((shard) => shard.child.pid!);
    const lbPids = fleet.lb ? childPids(fleet.lb.child.pid!) : [];
    const cpu = (pids: number[]) => cpuSecondsOf(totalCpuTimes(pids));
    const shardCpuBefore = cpu(shardPids);
    const lbCpuBefore = cpu(lbPids);
    const receivedBefore = generator.receivedSoFar;
    const startedAt = Date.now();
    const produced = await runFeed(sink, { topics: [fleet.topic], symbols, rate: options.rate, durationS: options.durationS });
    await sleep(1000); // let the last records arrive
    const elapsedS = (Date.now() - startedAt) / 1000;
    const shardCpu = cpu(shardPids) - shardCpuBefore;
    const lbCpu = cpu(lbPids) - lbCpuBefore;
    const result = await generator.collect();
    const delivered = result.received - receivedBefore;
    const latency = percentilesOf(result.latency);
    const perMillion = (seconds: number) => (delivered > 0 ? round((seconds / delivered) * 1e6, 2) : 0);
    return {
      scenario: 'throughput',
      path: options.direct ? 'direct' : 'lb',
      connections: options.connections,
      channels: options.channels,
      perClient: options.perClient,
      rate: options.rate,
      durationS: options.durationS,
      connected: ready.open,
      produced,
      delivered,
      framesPerSecond: Math.round(delivered / elapsedS),
      p50Ms: round(latency.p50),
      p95Ms: round(latency.p95),
      p99Ms: round(latency.p99),
      maxMs: round(latency.max),
      shardCpuSecondsPerMillionFrames: perMillion(shardCpu),
      lbCpuSecondsPerMillionFrames: perMillion(lbCpu),
      loadGeneratorCpuSeconds: round(result.cpuSeconds),
    };
  } finally {
    generator.stop();
    await sink.close();
    await fleet.stop();
  }
}
