import { ClientCrowd, sleep, startSequenceFeed } from '@odin-ws/testkit';
import { type ScenarioFleetOptions, startScenarioFleet } from '../fleet.js';
import { percentiles } from '../latency.js';
import { CpuWindow } from '../process-cpu.js';
import { round } from '../stats.js';

export interface RecoveryOptions extends Omit<ScenarioFleetOptions, 'direct' | 'external'> {
  connections: number;
  /** kill: SIGKILL one shard; drain: SIGTERM it (paced 1012 closes). */
  fault: 'kill' | 'drain';
  /** Records per second over 8 channels. */
  rate: number;
}

export interface RecoveryResult {
  scenario: 'recovery';
  fault: 'kill' | 'drain';
  connections: number;
  /** Clients that ended with every record of their channels exactly once, in order. */
  complete: number;
  reconnects: number;
  /** Resumed channels with no gap, and channels the shard could not vouch for. */
  recovered: number;
  notRecovered: number;
  /** Per moved client, the longest it went without a message. */
  outageP50Ms: number;
  outageP99Ms: number;
  outageMaxMs: number;
  /** Most reconnections in any one second. */
  peakOpensPerSecond: number;
  /**
   * CPU seconds from the crowd's first client to the last record everywhere: the shards (the killed
   * one until the fault), the load balancer, and this process, which is the load generator (the SDK
   * clients and the record feed).
   */
  cpuSeconds: { shards: number; lb: number; loadGenerator: number };
}

const KEYS = ['R1', 'R2', 'R3', 'R4', 'R5', 'R6', 'R7', 'R8'];

/**
 * What a shard failure costs the clients on it: SDK clients through the LB follow 2 of 8 channels
 * while records stream; one shard is killed or drained; every client must end with every record
 * exactly once, and the figures are how long the moved clients went without data and how hard they
 * came back at the load balancer.
 */
export async function runRecovery(options: RecoveryOptions): Promise<RecoveryResult> {
  const fleet = await startScenarioFleet({ ...options, direct: false });
  const feed = startSequenceFeed({ topic: fleet.topic, keys: KEYS, ratePerSecond: options.rate });
  let crowd: ClientCrowd | undefined;
  const cpu = new CpuWindow({ shards: fleet.shardPids, lb: fleet.proxyPids, loadGenerator: 'this-process' });
  try {
    options.progress(`recovery: opening ${options.connections} SDK clients`);
    crowd = await ClientCrowd.start({ url: fleet.urls[0]!, count: options.connections, channels: KEYS.map((key) => `${key}.trade`), channelsPerClient: 2 });
    await sleep(1000);
    const faultAt = Date.now();
    options.progress(`recovery: ${options.fault === 'kill' ? 'SIGKILL' : 'SIGTERM'} of one shard`);
    cpu.observe();
    await fleet.shards[0]!.stop(options.fault === 'kill' ? 'SIGKILL' : 'SIGTERM');
    await crowd.waitUntilSubscribed(120_000);
    await sleep(2000);
    const produced = await feed.stop();
    options.progress('recovery: waiting for the last record everywhere');
    await crowd.waitForLast(produced, 120_000);
    const report = crowd.verify(produced, faultAt);
    const outage = percentiles(crowd.outagesMs());
    return {
      scenario: 'recovery',
      fault: options.fault,
      connections: options.connections,
      complete: report.complete,
      reconnects: report.reconnects,
      recovered: report.recoveries.recovered,
      notRecovered: report.recoveries.notRecovered,
      outageP50Ms: round(outage.p50),
      outageP99Ms: round(outage.p99),
      outageMaxMs: round(outage.max),
      peakOpensPerSecond: report.peakOpensPerSecond,
      cpuSeconds: cpu.spent(),
    };
  } finally {
    await feed.stop();
    crowd?.close();
    await fleet.stop();
  }
}
