import { spawnSync } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  createTestTopic,
  KAFKA_SCRIPT,
  kafkaBrokers,
  type LoadBalancerProcess,
  type ShardProcess,
  startLoadBalancerProcess,
  startShardProcess,
} from '@odin-ws/testkit';
import { startHaproxy } from './haproxy.js';
import { startNodeRelay } from './node-relay.js';
import { childPids } from './process-memory.js';
import type { RunningProxy } from './running-proxy.js';

/**
 * What the odin-ws LB is measured against, in front of the same shards:
 * - haproxy: a C proxy (haproxy.ts), what relaying costs on these cores at its best;
 * - node-relay: the LB's own data path with nothing around it (node-relay-process.ts), what any
 *   relay on Node's sockets costs here.
 */
export type ReferenceProxy = 'haproxy' | 'node-relay';

/** As many relay workers as the LB has by default: one per core here. */
const NODE_RELAY_WORKERS = 2;

function startReferenceProxy(kind: ReferenceProxy, shardUrls: string[]): Promise<RunningProxy> {
  return kind === 'node-relay' ? startNodeRelay(shardUrls, NODE_RELAY_WORKERS) : startHaproxy(shardUrls);
}

export interface FleetOptions {
  shards: number;
  /** 0: no load balancer, clients connect to the shards directly (round robin). */
  lbWorkers: number;
  /** A reference proxy in front of the shards instead of the odin-ws load balancer (see ReferenceProxy). */
  referenceProxy?: ReferenceProxy;
  /** A running fleet to use instead of starting one: clients connect here. */
  url?: string;
  /** With url: the topic that fleet's shards consume; records for channel BENCH.<event> go there. */
  topic?: string;
  /** With url: the event part of that topic's channels (its --channel-map entry). */
  event?: string;
  /** Extra flags for every shard, e.g. ['--history-size=0'] to compare configurations. */
  shardArgs?: string[];
}

export interface Fleet {
  topic: string;
  channel: string;
  /** Where clients connect: the LB (or HAProxy), or every shard. */
  urls: string[];
  shards: ShardProcess[];
  lb: LoadBalancerProcess | undefined;
  /** The proxy's processes, for their CPU: the LB's primary and workers, or HAProxy; none direct. */
  proxyPids(): number[];
  /** The shards' processes, for their CPU; none for a fleet someone else runs. */
  shardPids(): number[];
  stop(): Promise<void>;
}

/**
 * What a scenario runs against: a local broker (started with scripts/kafka.sh unless KAFKA_BROKERS
 * names one), a fresh one-partition topic, shard processes and, unless direct, the load balancer.
 */
export async function startFleet(options: FleetOptions): Promise<Fleet> {
  if (options.url) return runningFleet(options.url, options.topic ?? 'odin.trades', options.event ?? 'trade');
  ensureLocalBroker();
  const topic = await createTestTopic('bench', 1, kafkaBrokers());
  const shardArgs = [`--channel-map=${topic}=trade`, '--max-connections=19000', '--log-level=warn', ...(options.shardArgs ?? [])];
  const shards = await Promise.all(Array.from({ length: options.shards }, () => startShardProcess({ topics: [topic], args: shardArgs })));
  const reference = options.referenceProxy
    ? await startReferenceProxy(
        options.referenceProxy,
        shards.map((shard) => shard.url),
      )
    : undefined;
  const lb =
    options.lbWorkers > 0 && !reference
      ? await startLoadBalancerProcess({
          backendUrls: shards.map((shard) => shard.url),
          workers: options.lbWorkers,
          // Benchmarks measure the data path; admission control is measured on its own. Health
          // polling at the production interval (the test helper's 200 ms would add fixed CPU that
          // HAProxy, with no checks configured, does not pay).
          args: ['--admission-rate=1000000', '--admission-ip-rate=1000000', '--health-interval=1000'],
        })
      : undefined;
  if (lb) {
    const deadline = Date.now() + 15_000;
    while (!(await lb.health()).shards.every((shard) => shard['ready'] === true)) {
      if (Date.now() > deadline) throw new Error('shards not ready in the load balancer');
      await sleep(100);
    }
  }
  return {
    topic,
    channel: 'BENCH.trade',
    urls: reference ? [reference.url] : lb ? [lb.url] : shards.map((shard) => shard.url),
    shards,
    lb,
    proxyPids: () => (reference ? reference.pids() : lb ? [lb.child.pid!, ...childPids(lb.child.pid!)] : []),
    shardPids: () => shards.map((shard) => shard.child.pid!),
    stop: async () => {
      await reference?.stop();
      await lb?.stop();
      await Promise.all(shards.map((shard) => shard.stop()));
    },
  };
}

/** A fleet someone else runs (KAFKA_BROKERS names its broker): nothing to start or stop. */
function runningFleet(url: string, topic: string, event: string): Fleet {
  return { topic, channel: `BENCH.${event}`, urls: [url], shards: [], lb: undefined, proxyPids: () => [], shardPids: () => [], stop: async () => undefined };
}

/** What fanout, ramp and throughput each say about the fleet they measure. */
export interface ScenarioFleetOptions {
  shards: number;
  /** Clients connect straight to the shards instead of through the load balancer. */
  direct: boolean;
  /** Through a reference proxy instead of the odin-ws load balancer. */
  referenceProxy?: ReferenceProxy;
  lbWorkers: number;
  progress: (line: string) => void;
  /** A running fleet instead of one started here (see FleetOptions). */
  external?: { url: string; topic?: string; event?: string };
  shardArgs?: string[];
}

/** Which way a scenario's clients reach the shards, as its result names it. */
export type FleetPath = 'lb' | 'direct' | ReferenceProxy;

export function fleetPath(options: { direct: boolean; referenceProxy?: ReferenceProxy }): FleetPath {
  return options.direct ? 'direct' : (options.referenceProxy ?? 'lb');
}

export function startScenarioFleet(options: ScenarioFleetOptions): Promise<Fleet> {
  return startFleet({
    shards: options.shards,
    lbWorkers: options.direct ? 0 : options.lbWorkers,
    ...(!options.direct && options.referenceProxy ? { referenceProxy: options.referenceProxy } : {}),
    ...options.external,
    ...(options.shardArgs ? { shardArgs: options.shardArgs } : {}),
  });
}

/** The local broker (scripts/kafka.sh, started unless running) when KAFKA_BROKERS names none. */
export function ensureLocalBroker(): void {
  if (process.env['KAFKA_BROKERS']) return;
  const up = spawnSync('bash', [KAFKA_SCRIPT, 'up'], { stdio: ['ignore', 'ignore', 'inherit'] });
  if (up.status !== 0) throw new Error('scripts/kafka.sh up failed');
}
