import { setTimeout as sleep } from 'node:timers/promises';
import { type FleetPath, fleetPath, type ScenarioFleetOptions, startScenarioFleet } from '../fleet.js';
import { percentilesOf } from '../latency.js';
import { LoadGenerator } from '../loadgen/pool.js';
import { cpuSecondsOf, totalCpuTimes } from '../process-cpu.js';
import { round } from '../stats.js';

export interface RampOptions extends ScenarioFleetOptions {
  connections: number;
  /** New connections per second; 0 for a burst: as fast as `inFlight` handshakes at a time allow. */
  rate: number;
  holdS: number;
  /** Handshakes in flight at once in a burst (default 500). */
  inFlight?: number;
}

export interface RampResult {
  scenario: 'ramp';
  path: FleetPath;
  connections: number;
  rate: number;
  holdS: number;
  connected: number;
  successRate: number;
  aliveAfterHold: number;
  handshakeP50Ms: number;
  handshakeP99Ms: number;
  rampSeconds: number;
  /** CPU (user + system) of the proxy's processes while the crowd connected, per connection made; 0 direct. */
  proxyCpuMsPerHandshake: number;
  /** The shards' CPU (user + system) while the crowd connected, per connection made. */
  shardCpuMsPerHandshake: number;
  /** The load generator's CPU over the whole ramp and hold: it shares the cores with what it measures. */
  loadGeneratorCpuSeconds: number;
  errors: Record<string, number>;
}

/**
 * The seeds' capacity test: open connections toward a target at a steady rate, hold them, and
 * count how many succeeded (handshake and subscription acknowledged) and how many are still alive
 * after the hold. Seed figures: 77-82% success at 50-100 connections per second toward 12,000.
 * With rate 0 it is a burst: every client dials as fast as the in-flight limit allows, and
 * rampSeconds is how long the whole crowd took to get in.
 */
export async function runRamp(options: RampOptions): Promise<RampResult> {
  const fleet = await startScenarioFleet(options);
  const generator = new LoadGenerator((open) => options.progress(`ramp ${fleetPath(options)}: ${open}/${options.connections} connected`));
  try {
    const proxyCpuBefore = totalCpuTimes(fleet.proxyPids());
    const shardCpuBefore = cpuSecondsOf(totalCpuTimes(fleet.shardPids()));
    const startedAt = Date.now();
    const ready = await generator.connect({
      urls: fleet.urls,
      connections: options.connections,
      channels: [fleet.channel],
      ...(options.rate > 0 ? { ratePerSecond: options.rate } : { inFlight: options.inFlight ?? 500 }),
    });
    const rampSeconds = (Date.now() - startedAt) / 1000;
    const proxyCpuSeconds = cpuSecondsOf(totalCpuTimes(fleet.proxyPids())) - cpuSecondsOf(proxyCpuBefore);
    const shardCpuSeconds = cpuSecondsOf(totalCpuTimes(fleet.shardPids())) - shardCpuBefore;
    const perHandshakeMs = (seconds: number) => (ready.open > 0 ? round((seconds / ready.open) * 1000, 3) : 0);
    for (let left = options.holdS; left > 0; left--) {
      options.progress(`ramp ${fleetPath(options)}: holding ${ready.open} connections, ${left} s left`);
      await sleep(1000);
    }
    const result = await generator.collect();
    const handshake = percentilesOf(ready.handshake);
    return {
      scenario: 'ramp',
      path: fleetPath(options),
      connections: options.connections,
      rate: options.rate,
      holdS: options.holdS,
      connected: ready.open,
      successRate: round(ready.open / options.connections, 5),
      aliveAfterHold: result.stillOpen,
      handshakeP50Ms: round(handshake.p50),
      handshakeP99Ms: round(handshake.p99),
      rampSeconds: round(rampSeconds, 1),
      proxyCpuMsPerHandshake: perHandshakeMs(proxyCpuSeconds),
      shardCpuMsPerHandshake: perHandshakeMs(shardCpuSeconds),
      loadGeneratorCpuSeconds: round(result.cpuSeconds),
      errors: ready.errors,
    };
  } finally {
    generator.stop();
    await fleet.stop();
  }
}
