#!/usr/bin/env node
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Command, InvalidArgumentError } from 'commander';
import { positive, whole } from './cli-args.js';
import { writeReport } from './report.js';
import { runCheckouts } from './scenarios/checkouts.js';
import { compareInterleaved } from './scenarios/compare.js';
import { type FanoutResult, runFanout } from './scenarios/fanout.js';
import { type MemoryResult, runMemory } from './scenarios/memory.js';
import { type RampResult, runRamp } from './scenarios/ramp.js';
import { type RecoveryResult, runRecovery } from './scenarios/recovery.js';
import { runSoak, type SoakResult } from './scenarios/soak.js';
import { runThroughput, type ThroughputResult } from './scenarios/throughput.js';
import { addStateChannelCommands } from './state-channel-commands.js';
import { median } from './stats.js';

/** `pnpm bench <scenario>`: runs a scenario against a fleet it starts (or is pointed at), writes results. */
const program = new Command('pnpm bench').description('odin-ws benchmarks');

const progress = (line: string) => process.stderr.write(`\r\x1b[2K${line}`);

/** Flags every scenario shares: the fleet's shape, repetitions, where the JSON goes, a running fleet. */
interface CommonOptions {
  shards: number;
  lbWorkers: number;
  direct: boolean;
  runs: number;
  json?: string;
  url?: string;
  topic: string;
  event: string;
  shardArgs?: string[];
}

function withCommonOptions(command: Command, features: { direct?: boolean; external?: boolean; runs?: boolean } = {}): Command {
  command.option('--shards <n>', 'shard processes', positive, 2).option('--lb-workers <n>', 'load-balancer worker processes', positive, 2);
  if (features.direct !== false) command.option('--direct', 'connect clients straight to the shards, no load balancer', false);
  command.option('--runs <n>', features.runs === false ? 'runs of each configuration' : 'repeat and report medians', positive, features.runs === false ? 3 : 1);
  command.option('--json <file>', 'also write the JSON result here');
  command.option('--shard-args <flags>', 'extra flags for every shard started, space-separated (e.g. "--history-size=0")', (value: string) =>
    value.split(' ').filter(Boolean),
  );
  if (features.external !== false) {
    command
      .option('--url <ws-url>', 'use a running fleet at this URL instead of starting one (KAFKA_BROKERS names its broker)')
      .option('--topic <topic>', 'with --url: a topic its shards consume', 'odin.trades')
      .option('--event <event>', "with --url: that topic's channel event (its --channel-map entry)", 'trade');
  }
  return command;
}

/** --url (and its topic and event) as a scenario's `external` option. */
function external(options: CommonOptions) {
  return options.url ? { external: { url: options.url, topic: options.topic, event: options.event } } : {};
}

/**
 * Runs a scenario `options.runs` times, then writes and prints the summary (medians, worst case for
 * delivery) and sets a failing exit code when `failed` says the run broke.
 */
async function repeatAndReport<R>(
  name: string,
  options: CommonOptions,
  runOnce: (report: (line: string) => void) => Promise<R>,
  summarize: (runs: R[]) => Record<string, unknown>,
  failed: (runs: R[]) => string | undefined,
): Promise<void> {
  const runs: R[] = [];
  for (let run = 0; run < options.runs; run++) runs.push(await runOnce((line) => progress(`[run ${run + 1}/${options.runs}] ${line}`)));
  process.stderr.write('\n');
  const summary = { scenario: name, ...summarize(runs) };
  const files = writeReport(name, summary, runs as unknown as Array<Record<string, unknown>>, options.json);
  console.log(JSON.stringify(summary));
  console.error(`results: ${files.json} ${files.markdown}`);
  const failure = failed(runs);
  if (failure) {
    console.error(failure);
    process.exitCode = 1;
  }
}

const medianOf = <R>(runs: R[], figures: readonly (keyof R & string)[]) =>
  Object.fromEntries(figures.map((figure) => [figure, median(runs.map((r) => Number(r[figure])))]));
const path = (options: CommonOptions) => ({
  path: options.direct ? 'direct' : 'lb',
  shards: options.shards,
  lbWorkers: options.direct ? 0 : options.lbWorkers,
  ...(options.shardArgs ? { shardArgs: options.shardArgs.join(' ') } : {}),
});

withCommonOptions(
  program
    .command('fanout')
    .description('N clients on one channel, M records; delivery and latency (seed: 100/1,000/10,000 viewers)')
    .option('--connections <n>', 'clients', positive, 1000)
    .option('--messages <n>', 'records produced', positive, 5)
    .option('--interval <ms>', 'ms between records', positive, 200)
    .option('--loadgen-processes <n>', 'load-generator processes (default: as few as the descriptor limit allows)', positive)
    .option('--probe <n>', "that many more clients in a process of their own, connected last: a minimal client's latency beside the generator's", positive),
).action((options: CommonOptions & { connections: number; messages: number; interval: number; loadgenProcesses?: number; probe?: number }) =>
  repeatAndReport<FanoutResult>(
    'fanout',
    options,
    (report) =>
      runFanout({
        ...options,
        ...external(options),
        intervalMs: options.interval,
        ...(options.probe ? { probeConnections: options.probe } : {}),
        progress: report,
      }),
    (runs) => ({
      ...path(options),
      connections: options.connections,
      messages: options.messages,
      expected: runs[0]!.expected,
      delivered: Math.min(...runs.map((r) => r.delivered)),
      deliveryRate: Math.min(...runs.map((r) => r.deliveryRate)),
      ...medianOf(runs, ['p50Ms', 'p95Ms', 'p99Ms', 'handshakeP99Ms']),
      maxMs: Math.max(...runs.map((r) => r.maxMs)),
      ...(runs[0]!.probe
        ? {
            probeP99Ms: median(runs.map((r) => r.probe!.p99Ms)),
            crowdP99OverProbe: median(runs.map((r) => r.probe!.crowdP99OverProbe)),
          }
        : {}),
    }),
    (runs) => (runs.some((r) => r.deliveryRate < 1) ? 'delivery below 100%' : undefined),
  ),
);

withCommonOptions(
  program
    .command('ramp')
    .description('open connections toward a target at a set rate, hold, report success (seed: 77-82% at 50-100 conn/s)')
    .option('--connections <n>', 'target connections', positive, 12_000)
    .option('--rate <n>', 'new connections per second; 0: a burst, as fast as --in-flight allows', whole, 2000)
    .option('--in-flight <n>', 'handshakes in flight at once in a burst (--rate 0)', positive, 500)
    .option('--hold <s>', 'seconds to hold the connections', positive, 10),
).action((options: CommonOptions & { connections: number; rate: number; inFlight: number; hold: number }) =>
  repeatAndReport<RampResult>(
    'ramp',
    options,
    (report) => runRamp({ ...options, ...external(options), holdS: options.hold, progress: report }),
    (runs) => ({
      ...path(options),
      connections: options.connections,
      rate: options.rate,
      holdS: options.hold,
      ...medianOf(runs, ['successRate', 'aliveAfterHold', 'handshakeP50Ms', 'handshakeP99Ms', 'rampSeconds']),
    }),
    (runs) => (runs.some((r) => r.connected < r.connections || r.aliveAfterHold < r.connected) ? 'connections failed or did not survive the hold' : undefined),
  ),
);

withCommonOptions(
  program
    .command('throughput')
    .description('the production pattern: many clients on random subsets of channels, a steady record rate; frames/s, CPU per million frames, latency')
    .option('--connections <n>', 'clients', positive, 5000)
    .option('--channels <n>', 'channels the records are spread over', positive, 20)
    .option('--per-client <n>', 'channels each client subscribes to', positive, 3)
    .option('--rate <n>', 'records per second', positive, 200)
    .option('--duration <s>', 'seconds of steady load', positive, 20),
).action((options: CommonOptions & { connections: number; channels: number; perClient: number; rate: number; duration: number }) =>
  repeatAndReport<ThroughputResult>(
    'throughput',
    options,
    (report) => runThroughput({ ...options, ...external(options), durationS: options.duration, progress: report }),
    (runs) => ({
      ...path(options),
      connections: options.connections,
      channels: options.channels,
      perClient: options.perClient,
      rate: options.rate,
      durationS: options.duration,
      ...medianOf(runs, ['framesPerSecond', 'p50Ms', 'p95Ms', 'p99Ms', 'maxMs', 'shardCpuSecondsPerMillionFrames', 'lbCpuSecondsPerMillionFrames']),
    }),
    (runs) => (runs.some((r) => r.connected < r.connections || r.delivered === 0) ? 'connections failed or nothing was delivered' : undefined),
  ),
);

withCommonOptions(
  program
    .command('memory')
    .description('resident memory per idle connection in the shards and the load-balancer workers (seed: 0.3 MB)')
    .option('--connections <n>', 'clients', positive, 10_000),
  { direct: false, external: false },
).action((options: CommonOptions & { connections: number }) =>
  repeatAndReport<MemoryResult>(
    'memory',
    options,
    (report) => runMemory({ ...options, progress: report }),
    (runs) => ({
      connections: options.connections,
      connected: Math.min(...runs.map((r) => r.connected)),
      shards: options.shards,
      lbWorkers: options.lbWorkers,
      ...medianOf(runs, ['shardBytesPerConnection', 'lbBytesPerConnection']),
    }),
    (runs) => (runs.some((r) => r.connected < options.connections) ? 'not every client connected' : undefined),
  ),
);

withCommonOptions(
  program
    .command('recovery')
    .description(
      'SDK clients through the LB while one shard is killed or drained: every record exactly once, how long moved clients went without data, reconnection peak',
    )
    .option('--connections <n>', 'SDK clients (in this process)', positive, 3000)
    .option(
      '--fault <kind>',
      'kill (SIGKILL) or drain (SIGTERM)',
      (raw: string) => {
        if (raw !== 'kill' && raw !== 'drain') throw new InvalidArgumentError(`expected kill or drain, got '${raw}'`);
        return raw;
      },
      'kill',
    )
    .option('--rate <n>', 'records per second over 8 channels', positive, 40),
  { direct: false, external: false },
).action((options: CommonOptions & { connections: number; fault: 'kill' | 'drain'; rate: number }) =>
  repeatAndReport<RecoveryResult>(
    'recovery',
    options,
    (report) => runRecovery({ ...options, progress: report }),
    (runs) => ({
      fault: options.fault,
      connections: options.connections,
      shards: options.shards,
      complete: Math.min(...runs.map((r) => r.complete)),
      ...medianOf(runs, ['reconnects', 'outageP50Ms', 'outageP99Ms', 'outageMaxMs', 'peakOpensPerSecond']),
      notRecovered: Math.max(...runs.map((r) => r.notRecovered)),
    }),
    (runs) => (runs.some((r) => r.complete < r.connections) ? 'a client missed or repeated a record' : undefined),
  ),
);

withCommonOptions(
  program
    .command('soak')
    .description(
      'SDK clients through the LB while faults fire at random (shard kill/drain, LB worker kill, broker restart, shard-list rewrite): every record exactly once, RSS and fds per tier',
    )
    .option('--connections <n>', 'SDK clients (in this process)', positive, 2000)
    .option('--duration <s>', 'seconds of faults', positive, 600)
    .option('--rate <n>', 'records per second over 8 channels', positive, 40)
    .option('--fault-interval <s>', 'seconds between faults', positive, 20),
  { direct: false, external: false },
).action((options: CommonOptions & { connections: number; duration: number; rate: number; faultInterval: number }) =>
  repeatAndReport<SoakResult>(
    'soak',
    options,
    (report) => runSoak({ ...options, durationS: options.duration, faultIntervalS: options.faultInterval, progress: report }),
    (runs) => ({
      connections: options.connections,
      durationS: options.duration,
      complete: Math.min(...runs.map((r) => r.complete)),
      notRecovered: Math.max(...runs.map((r) => r.notRecovered)),
      ...medianOf(runs, ['reconnects', 'produced']),
    }),
    (runs) => (runs.some((r) => r.complete < r.connections) ? 'a client missed or repeated a record' : undefined),
  ),
);

const COMPARE_TARGETS = ['direct', 'haproxy', 'node-relay', 'lb'] as const;
/** node-relay is asked for by name: it explains a gap rather than being one of the figures to meet. */
const DEFAULT_COMPARE_TARGETS: CompareTarget[] = ['direct', 'haproxy', 'lb'];
type CompareTarget = (typeof COMPARE_TARGETS)[number];

function compareTargets(raw: string): CompareTarget[] {
  const targets = raw.split(',').filter(Boolean);
  const unknown = targets.filter((target) => !(COMPARE_TARGETS as readonly string[]).includes(target));
  if (unknown.length > 0 || targets.length < 2) throw new InvalidArgumentError(`expected two or more of ${COMPARE_TARGETS.join(',')}, got '${raw}'`);
  return targets as CompareTarget[];
}

withCommonOptions(
  program
    .command('compare')
    .argument('<scenario>', 'fanout or ramp')
    .description(
      "the scenario direct to the shards, through HAProxy (the reference proxy), through node-relay (the LB's data path alone, on request) and through the odin-ws load balancer, interleaved in one run, with the ratio of every pair",
    )
    .option('--targets <list>', 'which of direct, haproxy, node-relay, lb to compare, in this order', compareTargets, DEFAULT_COMPARE_TARGETS)
    .option('--connections <n>', 'clients', positive, 1000)
    .option('--messages <n>', 'records produced (fanout)', positive, 10)
    .option('--interval <ms>', 'ms between records (fanout)', positive, 100)
    .option('--rate <n>', 'new connections per second (ramp); 0: a burst', whole, 1000)
    .option('--in-flight <n>', 'handshakes in flight at once in a burst (ramp --rate 0)', positive, 500)
    .option('--hold <s>', 'seconds to hold (ramp)', positive, 5),
  { direct: false, external: false, runs: false },
).action(
  async (
    scenario: string,
    options: CommonOptions & {
      targets: CompareTarget[];
      connections: number;
      messages: number;
      interval: number;
      rate: number;
      inFlight: number;
      hold: number;
    },
  ) => {
    const side = (target: CompareTarget) => {
      const report = (line: string) => progress(`[compare ${target}] ${line}`);
      const path = { direct: target === 'direct', ...(target === 'haproxy' || target === 'node-relay' ? { referenceProxy: target } : {}) };
      if (scenario === 'fanout')
        return {
          label: target,
          run: () => runFanout({ ...options, ...path, intervalMs: options.interval, progress: report }) as Promise<unknown> as Promise<Record<string, unknown>>,
        };
      if (scenario === 'ramp')
        return {
          label: target,
          run: () => runRamp({ ...options, ...path, holdS: options.hold, progress: report }) as Promise<unknown> as Promise<Record<string, unknown>>,
        };
      throw new InvalidArgumentError(`compare supports fanout and ramp, got '${scenario}'`);
    };
    const figures =
      scenario === 'fanout'
        ? [
            'deliveryRate',
            'p50Ms',
            'p95Ms',
            'p99Ms',
            'maxMs',
            'handshakeP99Ms',
            'proxyCpuSeconds',
            'proxyCpuSecondsPerMillionFrames',
            'proxyUserSecondsPerMillionFrames',
            'proxyIdleCpuMsPerSecond',
          ]
        : ['successRate', 'aliveAfterHold', 'handshakeP50Ms', 'handshakeP99Ms', 'rampSeconds', 'proxyCpuMsPerHandshake'];
    const { rows, summary } = await compareInterleaved(options.runs, options.targets.map(side), figures);
    process.stderr.write('\n');
    const document = { scenario: `compare-${scenario}`, connections: options.connections, targets: options.targets, ...summary };
    const files = writeReport(`compare-${scenario}`, document, rows, options.json);
    console.log(JSON.stringify(document));
    console.error(`results: ${files.json} ${files.markdown}`);
    if (rows.some((row) => Number(row['deliveryRate'] ?? row['successRate']) < 1)) {
      console.error('a run delivered or connected less than 100%');
      process.exitCode = 1;
    }
  },
);

program
  .command('checkouts')
  .description(
    'the same bench command in another checkout (its own runtime and code, e.g. a worktree of an earlier commit) and in this one, interleaved, with the medians of each and the ratio this/base',
  )
  .requiredOption('--base <dir>', 'the other checkout, installed and built (pnpm install && pnpm build)')
  .option('--rounds <n>', 'runs of each checkout', positive, 3)
  .option('--json <file>', 'also write the JSON result here')
  .argument('<bench-args...>', 'the bench command after --, e.g. -- fanout --connections 1000 --direct')
  .action(async (benchArgs: string[], options: { base: string; rounds: number; json?: string }) => {
    const repo = fileURLToPath(new URL('../../', import.meta.url));
    const { rows, summary } = await runCheckouts({ base: resolve(options.base), repo, benchArgs, rounds: options.rounds, progress });
    process.stderr.write('\n');
    const document = { scenario: 'checkouts', base: resolve(options.base), command: `pnpm bench ${benchArgs.join(' ')}`, ...summary };
    const files = writeReport('checkouts', document, rows, options.json);
    console.log(JSON.stringify(document));
    console.error(`results: ${files.json} ${files.markdown}`);
  });

addStateChannelCommands(program, progress);

program.parseAsync(process.argv).catch((error: unknown) => {
  console.error(`bench: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
