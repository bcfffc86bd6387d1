#!/usr/bin/env node
import { Command, InvalidArgumentError } from 'commander';
import { writeReport } from './report.js';
import { runFanout, type FanoutResult } from './scenarios/fanout.js';
import { runMemory, type MemoryResult } from './scenarios/memory.js';
import { runRamp, type RampResult } from './scenarios/ramp.js';
import { compareInterleaved } from './scenarios/compare.js';
import { runThroughput, type ThroughputResult } from './scenarios/throughput.js';
import { median } from './stats.js';

/** `pnpm bench <scenario>`: runs a scenario against a fleet it starts itself, writes JSON + Markdown. */
const program = new Command('pnpm bench').description('odin-ws benchmarks');

function positive(raw: string): number {
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1) throw new InvalidArgumentError(`expected a whole number >= 1, got '${raw}'`);
  return value;
}

const progress = (line: string) => process.stderr.write(`\r\x1b[2K${line}`);

/** --url (and its topic and event) as a scenario's `external` option. */
function external(options: { url?: string; topic: string; event: string }) {
  return options.url ? { external: { url: options.url, topic: options.topic, event: options.event } } : {};
}

program
  .command('fanout')
  .description('N clients on one channel, M records; delivery and latency (seed: 100/1,000/10,000 viewers)')
  .option('--connections <n>', 'clients', positive, 1000)
  .option('--messages <n>', 'records produced', positive, 5)
  .option('--interval <ms>', 'ms between records', positive, 200)
  .option('--shards <n>', 'shard processes', positive, 2)
  .option('--lb-workers <n>', 'load-balancer worker processes', positive, 2)
  .option('--direct', 'connect clients straight to the shards, no load balancer', false)
  .option('--loadgen-processes <n>', 'load-generator processes (default: as few as the descriptor limit allows)', positive)
  .option('--runs <n>', 'repeat and report medians', positive, 1)
  .option('--json <file>', 'also write the JSON result here')
  .option('--url <ws-url>', 'use a running fleet at this URL instead of starting one (KAFKA_BROKERS names its broker)')
  .option('--topic <topic>', 'with --url: a topic its shards consume', 'odin.trades')
  .option('--event <event>', 'with --url: that topic\'s channel event (its --channel-map entry)', 'trade')
  .action(async (options: { url?: string; topic: string; event: string; connections: number; messages: number; interval: number; shards: number; lbWorkers: number; direct: boolean; loadgenProcesses?: number; runs: number; json?: string }) => {
    const runs: FanoutResult[] = [];
    for (let run = 0; run < options.runs; run++) {
      runs.push(await runFanout({ ...options, ...external(options), intervalMs: options.interval, progress: (line) => progress(`[run ${run + 1}/${options.runs}] ${line}`) }));
    }
    process.stderr.write('\n');
    const summary = {
      scenario: 'fanout',
      path: options.direct ? 'direct' : 'lb',
      connections: options.connections,
      messages: options.messages,
      shards: options.shards,
      lbWorkers: options.direct ? 0 : options.lbWorkers,
      expected: runs[0]!.expected,
      delivered: Math.min(...runs.map((r) => r.delivered)),
      deliveryRate: Math.min(...runs.map((r) => r.deliveryRate)),
      p50Ms: median(runs.map((r) => r.p50Ms)),
      p95Ms: median(runs.map((r) => r.p95Ms)),
      p99Ms: median(runs.map((r) => r.p99Ms)),
      maxMs: Math.max(...runs.map((r) => r.maxMs)),
      handshakeP99Ms: median(runs.map((r) => r.handshakeP99Ms)),
    };
    const files = writeReport('fanout', summary, runs as unknown as Array<Record<string, unknown>>, options.json);
    console.log(JSON.stringify(summary));
    console.error(`results: ${files.json} ${files.markdown}`);
    if (summary.deliveryRate < 1) {
      console.error(`delivery below 100%: ${summary.delivered}/${summary.expected}`);
      process.exitCode = 1;
    }
  });

program
  .command('memory')
  .description('resident memory per idle connection in the shards and the load-balancer workers (seed: 0.3 MB)')
  .option('--connections <n>', 'clients', positive, 10_000)
  .option('--shards <n>', 'shard processes', positive, 2)
  .option('--lb-workers <n>', 'load-balancer worker processes', positive, 2)
  .option('--runs <n>', 'repeat and report medians', positive, 1)
  .option('--json <file>', 'also write the JSON result here')
  .action(async (options: { connections: number; shards: number; lbWorkers: number; runs: number; json?: string }) => {
    const runs: MemoryResult[] = [];
    for (let run = 0; run < options.runs; run++) {
      runs.push(await runMemory({ ...options, progress: (line) => progress(`[run ${run + 1}/${options.runs}] ${line}`) }));
    }
    process.stderr.write('\n');
    const summary = {
      scenario: 'memory',
      connections: options.connections,
      connected: Math.min(...runs.map((r) => r.connected)),
      shards: options.shards,
      lbWorkers: options.lbWorkers,
      shardBytesPerConnection: median(runs.map((r) => r.shardBytesPerConnection)),
      lbBytesPerConnection: median(runs.map((r) => r.lbBytesPerConnection)),
    };
    const files = writeReport('memory', summary, runs as unknown as Array<Record<string, unknown>>, options.json);
    console.log(JSON.stringify(summary));
    console.error(`results: ${files.json} ${files.markdown}`);
    if (summary.connected < options.connections) {
      console.error(`only ${summary.connected}/${options.connections} clients connected`);
      process.exitCode = 1;
    }
  });

program
  .command('ramp')
  .description('open connections toward a target at a set rate, hold, report success (seed: 77-82% at 50-100 conn/s)')
  .option('--connections <n>', 'target connections', positive, 12_000)
  .option('--rate <n>', 'new connections per second', positive, 2000)
  .option('--hold <s>', 'seconds to hold the connections', positive, 10)
  .option('--shards <n>', 'shard processes', positive, 2)
  .option('--lb-workers <n>', 'load-balancer worker processes', positive, 2)
  .option('--direct', 'connect clients straight to the shards, no load balancer', false)
  .option('--runs <n>', 'repeat and report medians', positive, 1)
  .option('--json <file>', 'also write the JSON result here')
  .option('--url <ws-url>', 'use a running fleet at this URL instead of starting one (KAFKA_BROKERS names its broker)')
  .action(async (options: { url?: string; connections: number; rate: number; hold: number; shards: number; lbWorkers: number; direct: boolean; runs: number; json?: string }) => {
    const runs: RampResult[] = [];
    for (let run = 0; run < options.runs; run++) {
      runs.push(await runRamp({ ...options, ...external({ ...options, topic: 'odin.trades', event: 'trade' }), holdS: options.hold, progress: (line) => progress(`[run ${run + 1}/${options.runs}] ${line}`) }));
    }
    process.stderr.write('\n');
    const summary = {
      scenario: 'ramp',
      path: options.direct ? 'direct' : 'lb',
      connections: options.connections,
      rate: options.rate,
      holdS: options.hold,
      successRate: median(runs.map((r) => r.successRate)),
      aliveAfterHold: median(runs.map((r) => r.aliveAfterHold)),
      handshakeP50Ms: median(runs.map((r) => r.handshakeP50Ms)),
      handshakeP99Ms: median(runs.map((r) => r.handshakeP99Ms)),
    };
    const files = writeReport('ramp', summary, runs as unknown as Array<Record<string, unknown>>, options.json);
    console.log(JSON.stringify(summary));
    console.error(`results: ${files.json} ${files.markdown}`);
    if (runs.some((r) => r.connected < r.connections || r.aliveAfterHold < r.connected)) process.exitCode = 1;
  });

program
  .command('throughput')
  .description('the production pattern: many clients on random subsets of channels, a steady record rate; frames/s, CPU per million frames, latency')
  .option('--connections <n>', 'clients', positive, 5000)
  .option('--channels <n>', 'channels the records are spread over', positive, 20)
  .option('--per-client <n>', 'channels each client subscribes to', positive, 3)
  .option('--rate <n>', 'records per second', positive, 200)
  .option('--duration <s>', 'seconds of steady load', positive, 20)
  .option('--shards <n>', 'shard processes', positive, 2)
  .option('--lb-workers <n>', 'load-balancer worker processes', positive, 2)
  .option('--direct', 'connect clients straight to the shards, no load balancer', false)
  .option('--runs <n>', 'repeat and report medians', positive, 1)
  .option('--json <file>', 'also write the JSON result here')
  .option('--url <ws-url>', 'use a running fleet at this URL instead of starting one (KAFKA_BROKERS names its broker)')
  .option('--topic <topic>', 'with --url: a topic its shards consume', 'odin.trades')
  .option('--event <event>', 'with --url: that topic\'s channel event (its --channel-map entry)', 'trade')
  .action(async (options: { url?: string; topic: string; event: string; connections: number; channels: number; perClient: number; rate: number; duration: number; shards: number; lbWorkers: number; direct: boolean; runs: number; json?: string }) => {
    const runs: ThroughputResult[] = [];
    for (let run = 0; run < options.runs; run++) {
      runs.push(await runThroughput({ ...options, ...external(options), durationS: options.duration, progress: (line) => progress(`[run ${run + 1}/${options.runs}] ${line}`) }));
    }
    process.stderr.write('\n');
    const figures = ['framesPerSecond', 'p50Ms', 'p95Ms', 'p99Ms', 'maxMs', 'shardCpuSecondsPerMillionFrames', 'lbCpuSecondsPerMillionFrames'] as const;
    const summary = {
      scenario: 'throughput',
      path: options.direct ? 'direct' : 'lb',
      connections: options.connections,
      channels: options.channels,
      perClient: options.perClient,
      rate: options.rate,
      durationS: options.duration,
      ...Object.fromEntries(figures.map((figure) => [figure, median(runs.map((r) => r[figure]))])),
    };
    const files = writeReport('throughput', summary, runs as unknown as Array<Record<string, unknown>>, options.json);
    console.log(JSON.stringify(summary));
    console.error(`results: ${files.json} ${files.markdown}`);
    if (runs.some((r) => r.connected < r.connections || r.delivered === 0)) process.exitCode = 1;
  });

program
  .command('compare')
  .argument('<scenario>', 'fanout or ramp')
  .description('the scenario through the load balancer and direct to the shards, interleaved in one run, with ratios lb/direct')
  .option('--connections <n>', 'clients', positive, 1000)
  .option('--messages <n>', 'records produced (fanout)', positive, 10)
  .option('--interval <ms>', 'ms between records (fanout)', positive, 100)
  .option('--rate <n>', 'new connections per second (ramp)', positive, 1000)
  .option('--hold <s>', 'seconds to hold (ramp)', positive, 5)
  .option('--shards <n>', 'shard processes', positive, 2)
  .option('--lb-workers <n>', 'load-balancer worker processes', positive, 2)
  .option('--runs <n>', 'runs of each configuration', positive, 3)
  .option('--json <file>', 'also write the JSON result here')
  .action(async (scenario: string, options: { connections: number; messages: number; interval: number; rate: number; hold: number; shards: number; lbWorkers: number; runs: number; json?: string }) => {
    const side = (direct: boolean) => {
      const label = direct ? 'direct' : 'lb';
      const report = (line: string) => progress(`[compare ${label}] ${line}`);
      if (scenario === 'fanout') return { label, run: () => runFanout({ ...options, intervalMs: options.interval, direct, progress: report }) as Promise<unknown> as Promise<Record<string, unknown>> };
      if (scenario === 'ramp') return { label, run: () => runRamp({ ...options, holdS: options.hold, direct, progress: report }) as Promise<unknown> as Promise<Record<string, unknown>> };
      throw new InvalidArgumentError(`compare supports fanout and ramp, got '${scenario}'`);
    };
    const figures = scenario === 'fanout' ? ['deliveryRate', 'p50Ms', 'p95Ms', 'p99Ms', 'maxMs', 'handshakeP99Ms'] : ['successRate', 'aliveAfterHold', 'handshakeP50Ms', 'handshakeP99Ms', 'rampSeconds'];
    const { rows, summary } = await compareInterleaved(options.runs, side(true), side(false), figures);
    process.stderr.write('\n');
    const document = { scenario: `compare-${scenario}`, connections: options.connections, ...summary };
    const files = writeReport(`compare-${scenario}`, document, rows, options.json);
    console.log(JSON.stringify(document));
    console.error(`results: ${files.json} ${files.markdown}`);
    if (rows.some((row) => Number(row['deliveryRate'] ?? row['successRate']) < 1)) {
      console.error('a run delivered or connected less than 100%');
      process.exitCode = 1;
    }
  });

program.parseAsync(process.argv).catch((error: unknown) => {
  console.error(`bench: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
