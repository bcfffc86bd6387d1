import { setTimeout as sleep } from 'node:timers/promises';
import { closeProducers, produce } from '@odin-ws/testkit';
import { type FleetPath, fleetPath, type ScenarioFleetOptions, startScenarioFleet } from '../fleet.js';
import { percentilesOf } from '../latency.js';
import { LoadGenerator } from '../loadgen/pool.js';
import { cpuSecondsOf, totalCpuTimes } from '../process-cpu.js';
import { round } from '../stats.js';

export interface FanoutOptions extends ScenarioFleetOptions {
  connections: number;
  messages: number;
  /** ms between produced records. */
  intervalMs: number;
  /** Load-generator processes (default: as few as the descriptor limit allows). */
  loadgenProcesses?: number;
  /**
   * Probe clients: that many more, in a process of their own that does nothing else, connected
   * after the crowd. What a minimal client sees beside what the generator reports: if the
   * generator's own queueing set its p99, the probe's would be lower.
   */
  probeConnections?: number;
}

export interface ProbeResult {
  connections: number;
  p50Ms: number;
  p99Ms: number;
  cpuSeconds: number;
  /** The crowd's p99 over the probe's: near 1 when the generator adds nothing of its own. */
  crowdP99OverProbe: number;
}

export interface FanoutResult {
  scenario: 'fanout';
  path: FleetPath;
  connections: number;
  messages: number;
  shards: number;
  lbWorkers: number;
  connected: number;
  expected: number;
  delivered: number;
  deliveryRate: number;
  p50Ms: number;
  p95Ms: number;
  p99Ms: number;
  maxMs: number;
  handshakeP50Ms: number;
  handshakeP99Ms: number;
  /** CPU (user + system) of the proxy's processes while records were delivered; 0 direct. */
  proxyCpuSeconds: number;
  proxyCpuSecondsPerMillionFrames: number;
  /** The user-space part of that (the rest is the kernel's, mostly the read and write syscalls). */
  proxyUserSecondsPerMillionFrames: number;
  /** CPU (user + system) of all shards while records were delivered, and per million delivered frames. */
  shardCpuSeconds: number;
  shardCpuSecondsPerMillionFrames: number;
  /** The proxy's CPU ms per second with the clients still connected, after the last record; 0 direct. */
  proxyIdleCpuMsPerSecond: number;
  /** deliveryCpuCores: the generator's CPU while frames arrived, in cores (of 2 here). */
  loadGenerator: { processes: number; cpuSeconds: number; deliveryCpuCores: number; rssMb: number };
  /** With --probe only. */
  probe?: ProbeResult;
  errors: Record<string, number>;
}

const DELIVERY_GRACE_MS = 15_000;
const IDLE_WINDOW_MS = 3000;

/**
 * The seed experiment: N clients on one channel, M records produced; every client should get every
 * record. Latency is receive time minus the producer timestamp inside the record, so it covers
 * Kafka, shard, load balancer (unless direct) and the client.
 */
export async function runFanout(options: FanoutOptions): Promise<FanoutResult> {
  const fleet = await startScenarioFleet(options);
  const generator = new LoadGenerator((open, received) =>
    options.progress(`fanout ${fleetPath(options)}: ${open}/${options.connections} connected, ${received}/${options.connections * options.messages} received`),
  );
  const probe = options.probeConnections ? new LoadGenerator() : undefined;
  try {
    const ready = await generator.connect({
      urls: fleet.urls,
      connections: options.connections,
      channels: [fleet.channel],
      ...(options.loadgenProcesses ? { processes: options.loadgenProcesses } : {}),
    });
    const probeReady = await probe?.connect({ urls: fleet.urls, connections: options.probeConnections!, channels: [fleet.channel], processes: 1 });
    const expected = ready.open * options.messages;
    const probeExpected = (probeReady?.open ?? 0) * options.messages;
    const proxyCpuBefore = totalCpuTimes(fleet.proxyPids());
    const shardCpuBefore = cpuSecondsOf(totalCpuTimes(fleet.shardPids()));
    // Warm-up on a channel nobody subscribed to: the producer's first request pays for its
    // connection (measured ~27 ms), which is not what this scenario measures.
    await produce(fleet.topic, [{ key: 'WARMUP', value: '{}' }]);
    for (let n = 0; n < options.messages; n++) {
      await produce(fleet.topic, [{ key: 'BENCH', value: JSON.stringify({ type: 'BENCH', timestamp: Date.now(), data: { n } }) }]);
      await sleep(options.intervalMs);
    }
    const deadline = Date.now() + DELIVERY_GRACE_MS;
    const delivering = () => generator.receivedSoFar < expected || (probe !== undefined && probe.receivedSoFar < probeExpected);
    while (delivering() && Date.now() < deadline) await sleep(100);
    const proxyCpuAfter = totalCpuTimes(fleet.proxyPids());
    const shardCpuSeconds = cpuSecondsOf(totalCpuTimes(fleet.shardPids())) - shardCpuBefore;
    const proxyUserSeconds = proxyCpuAfter.user - proxyCpuBefore.user;
    const proxyCpuSeconds = cpuSecondsOf(proxyCpuAfter) - cpuSecondsOf(proxyCpuBefore);
    // What the proxy spends with every client still connected and no records (heartbeats, health
    // checks, timers): part of every frame's share above, and most of it when frames are few.
    await sleep(IDLE_WINDOW_MS);
    const proxyIdleCpuSeconds = cpuSecondsOf(totalCpuTimes(fleet.proxyPids())) - cpuSecondsOf(proxyCpuAfter);
    const result = await generator.collect();
    const latency = percentilesOf(result.latency);
    const probed = probe ? await probe.collect() : undefined;
    const probeLatency = probed ? percentilesOf(probed.latency) : undefined;
    const handshake = percentilesOf(ready.handshake);
    return {
      scenario: 'fanout',
      path: fleetPath(options),
      connections: options.connections,
      messages: options.messages,
      shards: options.shards,
      lbWorkers: options.direct || options.referenceProxy ? 0 : options.lbWorkers,
      connected: ready.open,
      expected: options.connections * options.messages,
      delivered: result.received,
      deliveryRate: round(result.received / (options.connections * options.messages), 6),
      p50Ms: round(latency.p50),
      p95Ms: round(latency.p95),
      p99Ms: round(latency.p99),
      maxMs: round(latency.max),
      handshakeP50Ms: round(handshake.p50),
      handshakeP99Ms: round(handshake.p99),
      proxyCpuSeconds: round(proxyCpuSeconds),
      proxyCpuSecondsPerMillionFrames: perMillionFrames(proxyCpuSeconds, result.received),
      proxyUserSecondsPerMillionFrames: perMillionFrames(proxyUserSeconds, result.received),
      shardCpuSeconds: round(shardCpuSeconds),
      shardCpuSecondsPerMillionFrames: perMillionFrames(shardCpuSeconds, result.received),
      proxyIdleCpuMsPerSecond: round((proxyIdleCpuSeconds / IDLE_WINDOW_MS) * 1e6, 1),
      loadGenerator: {
        processes: options.loadgenProcesses ?? Math.max(1, Math.ceil(options.connections / 15_000)),
        cpuSeconds: round(result.cpuSeconds),
        deliveryCpuCores: round(result.deliveryCpuCores, 3),
        rssMb: round(result.rssBytes / 2 ** 20, 1),
      },
      ...(probed && probeLatency
        ? {
            probe: {
              connections: probeReady!.open,
              p50Ms: round(probeLatency.p50),
              p99Ms: round(probeLatency.p99),
              cpuSeconds: round(probed.cpuSeconds),
              crowdP99OverProbe: probeLatency.p99 > 0 ? round(latency.p99 / probeLatency.p99, 2) : 0,
            },
          }
        : {}),
      errors: ready.errors,
    };
  } finally {
    probe?.stop();
    generator.stop();
    await closeProducers();
    await fleet.stop();
  }
}

function perMillionFrames(seconds: number, frames: number): number {
  return frames > 0 ? round((seconds / frames) * 1e6, 2) : 0;
}
