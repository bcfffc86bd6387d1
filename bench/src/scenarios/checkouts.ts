import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { compareInterleaved } from './compare.js';

export interface CheckoutsOptions {
  /** Another checkout of odin-ws (installed and built), e.g. a worktree of an earlier commit. */
  base: string;
  /** This checkout. */
  repo: string;
  /** The bench command to run in both, e.g. ['fanout', '--connections', '1000', '--direct']. */
  benchArgs: string[];
  rounds: number;
  progress: (line: string) => void;
}

/**
 * The same `pnpm bench` command in two checkouts, interleaved (base, this, base, this, ...), each
 * checkout on its own runtime and code: how a change of runtime or of code moves the figures, with
 * the machine's drift hitting both alike. Each side's figures are the numbers of its run (the
 * load generator's CPU included), its Node version beside them.
 */
export async function runCheckouts(options: CheckoutsOptions) {
  const scratch = mkdtempSync(join(tmpdir(), 'odin-bench-checkouts-'));
  let count = 0;
  const side = (label: string, cwd: string) => ({
    label,
    run: async () => {
      const json = join(scratch, `${label}-${++count}.json`);
      options.progress(`[${label}] pnpm bench ${options.benchArgs.join(' ')}`);
      await benchIn(cwd, [...options.benchArgs, '--runs', '1', '--json', json]);
      return figuresOf(JSON.parse(readFileSync(json, 'utf8')));
    },
  });
  return compareInterleaved(options.rounds, [side('base', options.base), side('this', options.repo)], (first) =>
    Object.keys(first).filter((key) => typeof first[key] === 'number'),
  );
}

/** The numbers of a result's single run, plus its runtime and the load generator's CPU. */
function figuresOf(result: { machine: { node: string }; runs: Array<Record<string, unknown>> }): Record<string, unknown> {
  const run = result.runs[0]!;
  const numbers = Object.fromEntries(Object.entries(run).filter(([, value]) => typeof value === 'number'));
  const loadGenerator = run['loadGenerator'] as { cpuSeconds?: number } | undefined;
  return { node: result.machine.node, ...numbers, ...(loadGenerator?.cpuSeconds !== undefined ? { loadGeneratorCpuSeconds: loadGenerator.cpuSeconds } : {}) };
}

/**
 * `pnpm bench` in `cwd`, on that checkout's own runtime. Hazard: this process runs under pnpm, whose
 * node_modules/.bin (with this checkout's `node`) leads PATH; left there, the other checkout would
 * run on this one's Node.
 */
function benchIn(cwd: string, args: string[]): Promise<void> {
  const PATH = (process.env['PATH'] ?? '')
    .split(':')
    .filter((dir) => !dir.includes('/node_modules/'))
    .join(':');
  const { NODE_PATH: _ignored, ...env } = process.env;
  return new Promise((resolve, reject) => {
    const child = spawn('pnpm', ['bench', ...args], { cwd, env: { ...env, PATH }, stdio: ['ignore', 'ignore', 'inherit'] });
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`pnpm bench ${args.join(' ')} in ${cwd} exited ${code}`))));
  });
}
