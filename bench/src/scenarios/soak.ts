import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  ClientCrowd,
  createTestTopic,
  type LoadBalancerProcess,
  localBroker,
  type SequenceFeed,
  type ShardProcess,
  sleep,
  stablePortRange,
  startLoadBalancerProcess,
  startSequenceFeed,
  startShardProcess,
} from '@odin-ws/testkit';
import { CpuWindow } from '../process-cpu.js';
import { openDescriptors } from '../process-descriptors.js';
import { childPids, rssBytes } from '../process-memory.js';
import { round } from '../stats.js';

export interface SoakOptions {
  connections: number;
  durationS: number;
  /** Records per second over 8 channels. */
  rate: number;
  shards: number;
  lbWorkers: number;
  /** Seconds between faults (each a random pick, at a random time within the interval's second half). */
  faultIntervalS: number;
  /** The faults to pick from; default: all of them. */
  faults?: readonly Fault[];
  progress: (line: string) => void;
}

export type Fault = 'shard-kill' | 'shard-drain' | 'lb-worker-kill' | 'broker-restart' | 'shard-list-rewrite';
const FAULTS: readonly Fault[] = ['shard-kill', 'shard-drain', 'lb-worker-kill', 'broker-restart', 'shard-list-rewrite'];

/** Resident memory (MB) and open descriptors of a tier's processes, summed. */
export interface TierUsage {
  rssMb: number;
  fds: number;
}

export interface SoakSample {
  atS: number;
  shards: TierUsage;
  lb: TierUsage;
}

export interface SoakResult {
  scenario: 'soak';
  connections: number;
  durationS: number;
  faults: Record<Fault, number>;
  /** Clients that ended with every record of their channels exactly once, in order. */
  complete: number;
  problems: string[];
  produced: number;
  reconnects: number;
  notRecovered: number;
  /** Usage after the first minute (or the first sample) and at the end, and every sample between. */
  afterFirstMinute: SoakSample;
  atEnd: SoakSample;
  samples: SoakSample[];
  /**
   * CPU seconds over the whole run: the shards (each process until it was killed or stopped, as last
   * observed), the LB's primary and workers, and this process, which is the load generator (the SDK
   * clients, the record feed and the fault driver).
   */
  cpuSeconds: { shards: number; lb: number; loadGenerator: number };
}

const KEYS = ['S1', 'S2', 'S3', 'S4', 'S5', 'S6', 'S7', 'S8'];
const SAMPLE_EVERY_MS = 15_000;

/**
 * Hours of production in minutes: SDK clients through the load balancer while faults fire at
 * random (a shard killed or drained and restarted, an LB worker killed, the broker restarted, the
 * shard list rewritten). At the end every client must hold every record of its channels exactly
 * once, in order, and no tier's memory or descriptor count may have grown after the first minute.
 * Runs its own broker (it restarts it) on ports below the ephemeral range.
 */
export async function runSoak(options: SoakOptions): Promise<SoakResult> {
  const broker = await localBroker('soak');
  await broker.up();
  const topic = await createTestTopic('soak', 4, broker.brokers);
  const shardArgs = [`--channel-map=${topic}=trade`, '--max-connections=19000', '--log-level=warn', '--drain-timeout=4'];
  // Restarted shards come back on their ports: below the ephemeral range, where no outgoing
  // connection can take one in between.
  const firstPort = await stablePortRange(options.shards);
  const ports = Array.from({ length: options.shards }, (_, i) => firstPort + i);
  const startShard = (port: number) => startShardProcess({ topics: [topic], brokers: broker.brokers, port, args: shardArgs });
  const shards: ShardProcess[] = await Promise.all(ports.map(startShard));
  const listFile = join(mkdtempSync(join(tmpdir(), 'odin-soak-')), 'shards.txt');
  const writeList = (urls: string[]) => writeFileSync(listFile, `# soak\n${urls.join('\n')}\n`);
  writeList(shards.map((shard) => shard.url));
  const lb: LoadBalancerProcess = await startLoadBalancerProcess({
    workers: options.lbWorkers,
    args: [`--backend-urls-file=${listFile}`, '--admission-rate=1000000', '--admission-ip-rate=1000000', '--drain-timeout=4'],
  });
  let feed: SequenceFeed = startSequenceFeed({ topic, keys: KEYS, ratePerSecond: options.rate, brokers: broker.brokers });
  let crowd: ClientCrowd | undefined;
  const faults = Object.fromEntries(FAULTS.map((fault) => [fault, 0])) as Record<Fault, number>;
  const samples: SoakSample[] = [];
  const startedAt = Date.now();
  const cpu = new CpuWindow({
    shards: () => shards.map((shard) => shard.child.pid!),
    lb: () => [lb.child.pid!, ...childPids(lb.child.pid!)],
    loadGenerator: 'this-process',
  });
  const sample = (): SoakSample => {
    const usage = (pids: number[]): TierUsage => ({
      rssMb: round(pids.reduce((sum, pid) => sum + rssBytes(pid), 0) / 2 ** 20, 1),
      fds: pids.reduce((sum, pid) => sum + openDescriptors(pid), 0),
    });
    return {
      atS: Math.round((Date.now() - startedAt) / 1000),
      shards: usage(shards.map((shard) => shard.child.pid!)),
      lb: usage([lb.child.pid!, ...childPids(lb.child.pid!)]),
    };
  };

  const fire = async (fault: Fault): Promise<void> => {
    faults[fault]++;
    options.progress(`soak: ${Math.round((Date.now() - startedAt) / 1000)} s, ${fault}`);
    const index = Math.floor(Math.random() * shards.length);
    switch (fault) {
      case 'shard-kill':
      case 'shard-drain': {
        await shards[index]!.stop(fault === 'shard-kill' ? 'SIGKILL' : 'SIGTERM');
        shards[index] = await startShard(ports[index]!);
        return;
      }
      case 'lb-worker-kill': {
        const [worker] = childPids(lb.child.pid!);
        if (worker) process.kill(worker, 'SIGKILL');
        return;
      }
      case 'broker-restart': {
        // The feed pauses with the broker and carries on numbering afterwards.
        const produced = await feed.stop();
        await broker.down();
        await sleep(2000);
        await broker.up();
        feed = startSequenceFeed({ topic, keys: KEYS, ratePerSecond: options.rate, brokers: broker.brokers, continueFrom: produced });
        return;
      }
      case 'shard-list-rewrite': {
        // One shard leaves the list and comes back: its clients stay, new ones go elsewhere meanwhile.
        writeList(shards.filter((_, i) => i !== index).map((shard) => shard.url));
        await sleep(3000);
        writeList(shards.map((shard) => shard.url));
        return;
      }
    }
  };

  try {
    options.progress(`soak: opening ${options.connections} SDK clients`);
    crowd = await ClientCrowd.start({ url: lb.url, count: options.connections, channels: KEYS.map((key) => `${key}.trade`), channelsPerClient: 2 });
    await crowd.waitUntilSubscribed(120_000);
    // --duration counts seconds of faults, from the moment every client streams (on a loaded machine
    // opening the clients alone can take a while).
    const endAt = Date.now() + options.durationS * 1000;
    let nextSample = Date.now();
    let nextFault = Date.now() + (options.faultIntervalS * 1000) / 2;
    while (Date.now() < endAt) {
      if (Date.now() >= nextSample) {
        samples.push(sample());
        nextSample += SAMPLE_EVERY_MS;
      }
      if (Date.now() >= nextFault) {
        cpu.observe();
        const pool = options.faults ?? FAULTS;
        await fire(pool[Math.floor(Math.random() * pool.length)]!);
        nextFault = Date.now() + (0.5 + Math.random() * 0.5) * options.faultIntervalS * 1000;
      }
      cpu.observe();
      await sleep(250);
    }
    options.progress('soak: faults stop; waiting for every client to catch up');
    await crowd.waitUntilSubscribed(120_000);
    await sleep(3000);
    const produced = await feed.stop();
    await crowd.waitForLast(produced, 120_000).catch(() => undefined); // verify() reports who did not
    const report = crowd.verify(produced);
    samples.push(sample());
    const afterFirstMinute = samples.find((s) => s.atS >= 60) ?? samples[0]!;
    return {
      scenario: 'soak',
      connections: options.connections,
      durationS: options.durationS,
      faults,
      complete: report.complete,
      problems: report.problems,
      produced: [...produced.values()].reduce((sum, n) => sum + n, 0),
      reconnects: report.reconnects,
      notRecovered: report.recoveries.notRecovered,
      afterFirstMinute,
      atEnd: samples.at(-1)!,
      samples,
      cpuSeconds: cpu.spent(),
    };
  } finally {
    await feed.stop();
    crowd?.close();
    await lb.stop();
    await Promise.all(shards.map((shard) => shard.stop()));
    await broker.down({ wipe: true });
  }
}
