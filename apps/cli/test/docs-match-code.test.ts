import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import type { Server } from 'node:http';
import { join, relative } from 'node:path';
import { OPTION_SPECS } from '@odin-ws/config';
import { SHARD_LOAD_PATH } from '@odin-ws/protocol';
import { createTestTopic, type LoadBalancerProcess, type ShardProcess, startLoadBalancerProcess, startShardProcess } from '@odin-ws/testkit';
import { startTickerPage } from '@odin-ws/ticker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/**
 * The docs name flags and HTTP paths; this holds them to the code. Every `--flag` a page names must be
 * one odin-ws (or `pnpm bench`, or Node) takes, and every path it names must be answered by a running
 * shard, load balancer or ticker page: the mistakes this caught were docs saying the LB polls `/health`
 * when it polls `/load`, and flags that had been renamed.
 */
const repo = new URL('../../../', import.meta.url).pathname;

function markdownFiles(dir: string): string[] {
  return readdirSync(join(repo, dir), { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return ['node_modules', 'dist', 'results'].includes(entry.name) ? [] : markdownFiles(path);
    return entry.name.endsWith('.md') ? [path] : [];
  });
}

const pages = ['README.md', 'CONTRIBUTING.md', 'CHANGELOG.md', 'infra/README.md', ...markdownFiles('docs'), ...markdownFiles('examples')].map((path) => ({
  path,
  text: readFileSync(join(repo, path), 'utf8'),
}));

/** Inline code spans (`…`) and the lines of fenced blocks: where a page names a flag or a path for someone to type. */
function codeOf(text: string): string[] {
  // A command continued over lines (`\` at the end) is one line: its flags belong to its program.
  const fenced = [...text.matchAll(/^```[^\n]*\n([\s\S]*?)^```/gm)].flatMap((match) => match[1]!.replace(/\\\n\s*/g, ' ').split('\n'));
  const inline = [...text.replace(/^```[\s\S]*?^```/gm, '').matchAll(/`([^`\n]+)`/g)].map((match) => match[1]!);
  return [...inline, ...fenced];
}

/**
 * Flags of other programs that pages name on their own (a span that is just `--alter …`), each with
 * its program. A line that starts with another program (gcloud, curl, npm, git, docker, kafka-topics)
 * is that program's business and is not read for flags.
 */
const OTHER_PROGRAMS: Record<string, string> = {
  '--alter': 'kafka-configs.sh',
  '--add-config': 'kafka-configs.sh',
  '--partitions': 'kafka-topics.sh',
  '--frozen-lockfile': 'pnpm install',
  '--no-optional': 'pnpm install',
  '--interrupt-budget': "V8 of Node 20, in a measurement of then (docs/performance.md); Node 24's V8 has no such flag",
};

/** Our own scripts: a flag given to one must be in its text. */
const OUR_SCRIPT = /^(?:\.\/)?((?:scripts|examples|infra|packages)\/[\w./-]+\.(?:sh|py|mjs))$/;
const packageScripts: Record<string, string> = JSON.parse(readFileSync(join(repo, 'package.json'), 'utf8')).scripts;

type Owner = { kind: 'odin' } | { kind: 'bench' } | { kind: 'node' } | { kind: 'script'; text: string } | { kind: 'other' } | { kind: 'any' };

/** Whose flags a line of code holds, from the program it starts with. */
function ownerOf(line: string): Owner {
  const words = line
    .trim()
    .replace(/^\$\s+/, '')
    .split(/\s+/)
    .filter((word) => !/^[A-Z_]+=/.test(word) && word !== 'sudo' && word !== 'exec');
  const [first = '', second = '', third = ''] = words;
  if (first.startsWith('--') || first === '') return { kind: 'any' };
  if (first === 'odin-ws' || (first === 'pnpm' && second === 'exec' && third === 'odin-ws') || (first === 'pnpm' && second === 'start'))
    return { kind: 'odin' };
  if (first === 'pnpm' && second === 'bench') return { kind: 'bench' };
  if (first === 'pnpm' && packageScripts[second]?.startsWith('bash scripts/')) return script(packageScripts[second]!.split(' ')[1]!);
  const file = [first, second].find((word) => OUR_SCRIPT.test(word) || word.endsWith('odin-ws.js'));
  if (file?.endsWith('odin-ws.js')) return { kind: 'odin' };
  if (file && ['bash', 'sh', 'node', '$python', 'python3', file].includes(first)) return script(file);
  if (first === 'node' || (first === 'pnpm' && second === 'exec' && third === 'node')) return { kind: 'node' };
  return { kind: 'other' };
}

function script(path: string): Owner {
  return { kind: 'script', text: readFileSync(join(repo, path.replace(/^\.\//, '')), 'utf8') };
}

/** The flags `pnpm bench` and its scenarios take, from their --help. */
function benchFlags(): Set<string> {
  const bench = join(repo, 'bench/dist/main.js');
  const help = (args: string[]) => spawnSync(process.execPath, [bench, ...args, '--help'], { encoding: 'utf8' }).stdout;
  const scenarios = [...help([]).matchAll(/^ {2}([a-z-]+) \[options\]/gm)].map((match) => match[1]!);
  return new Set(scenarios.flatMap((scenario) => [...help([scenario]).matchAll(/--[a-z][a-z0-9-]*/g)].map((match) => match[0])));
}

/** Node's own flags and V8's, as this Node lists them. */
function nodeFlags(): Set<string> {
  const v8 = spawnSync(process.execPath, ['--v8-options'], { encoding: 'utf8' }).stdout;
  return new Set([...process.allowedNodeEnvironmentFlags, ...[...v8.matchAll(/^ {2}(--[a-z][a-z0-9-_]*)/gm)].map((match) => match[1]!.replaceAll('_', '-'))]);
}

/** Directories of a file system: a span starting with one is a file, not an HTTP path. */
const FILESYSTEM = /^\/(etc|opt|proc|usr|var|tmp|dev|home|root|run|sys|srv|bin|lib|mnt|work)(\/|$)/;

describe('the docs name only flags and HTTP paths that exist', () => {
  const odinFlags = new Set([...OPTION_SPECS.map((spec) => spec.flag.split(' ')[0]!), '--mode', '--help', '--version', '--config']);

  it('every --flag a page names is taken by odin-ws, pnpm bench, Node, or the program named beside it here', () => {
    const bench = benchFlags();
    const node = nodeFlags();
    // A bare flag may also be one of our scripts' (the Python client's `--delta`): quoted in its source.
    const ourScripts = ['examples/python/odin_client.py', 'scripts/kafka.sh'].map((file) => readFileSync(join(repo, file), 'utf8'));
    expect(bench.has('--connections')).toBe(true); // the bench's flags were read
    const unknown: string[] = [];
    for (const { path, text } of pages) {
      for (const code of codeOf(text)) {
        const owner = ownerOf(code);
        if (owner.kind === 'other') continue;
        for (const [flag] of code.matchAll(/(?<![\w-])--[a-z][a-z0-9-]*/g)) {
          // A family of flags (`--auth-*`, written `--auth-`): some flag must start with it.
          const odin = flag.endsWith('-') ? [...odinFlags].some((known) => known.startsWith(flag)) : odinFlags.has(flag);
          const known =
            owner.kind === 'odin'
              ? odin
              : owner.kind === 'bench'
                ? bench.has(flag)
                : owner.kind === 'node'
                  ? node.has(flag) || node.has(flag.replace(/^--no-/, '--'))
                  : owner.kind === 'script'
                    ? owner.text.includes(flag)
                    : odin ||
                      bench.has(flag) ||
                      node.has(flag) ||
                      node.has(flag.replace(/^--no-/, '--')) ||
                      flag in OTHER_PROGRAMS ||
                      ourScripts.some((text) => text.includes(`'${flag}'`) || text.includes(`"${flag}"`));
          if (!known) unknown.push(`${path}: ${flag} (in \`${code.trim().slice(0, 80)}\`)`);
        }
      }
    }
    expect(unknown).toEqual([]);
  });

  describe('every HTTP path a page names is answered by a running tier', () => {
    let shard: ShardProcess;
    let lb: LoadBalancerProcess;
    let ticker: Server;
    let tickerUrl: string;

    beforeAll(async () => {
      const topic = await createTestTopic('docs-paths', 1);
      shard = await startShardProcess({ topics: [topic], args: [`--channel-map=${topic}=trade`] });
      lb = await startLoadBalancerProcess({ backendUrls: [shard.url] });
      ticker = await startTickerPage({ host: '127.0.0.1', port: 0, wsPort: lb.port, symbols: ['BTC'], mintDemoToken: async () => 'demo' });
      tickerUrl = `http://127.0.0.1:${(ticker.address() as { port: number }).port}`;
    }, 60_000);

    afterAll(async () => {
      ticker?.close();
      await lb?.stop();
      await shard?.stop();
    });

    it('on the public port or the ops surface of a shard or the load balancer, or on the ticker page', async () => {
      const named = new Map<string, string>();
      for (const { path, text } of pages) {
        for (const code of codeOf(text)) {
          const paths = [
            // A span that is a path (`/health`, `/ready`), or a path after host:port (`127.0.0.1:3102/health`).
            ...(/^\/[a-z][\w.-]*(\/[\w.-]+)*$/.test(code.trim()) ? [code.trim()] : []),
            ...[...code.matchAll(/(?:127\.0\.0\.1|localhost|\$\w+|<[\w-]+>):\d+(\/[a-z][\w/.-]*)/g)].map((match) => match[1]!),
          ];
          for (const httpPath of paths) if (!FILESYSTEM.test(httpPath) && !httpPath.includes('.md')) named.set(httpPath, named.get(httpPath) ?? path);
        }
      }
      expect([...named.keys()]).toEqual(expect.arrayContaining(['/health', '/ready', '/metrics', '/load', '/ws']));
      const bases = [shard.httpUrl, shard.opsUrl, lb.httpUrl, lb.opsUrl, tickerUrl];
      const missing: string[] = [];
      for (const [httpPath, page] of named) {
        const statuses = await Promise.all(bases.map(async (base) => (await fetch(`${base}${httpPath}`)).status));
        if (statuses.every((status) => status === 404)) missing.push(`${page}: ${httpPath} (404 everywhere)`);
      }
      expect(missing).toEqual([]);
    });
  });

  it('says what the load balancer polls (`/load`), where a pid is (the detailed /health, on the ops port) and how browsers send tokens, as the code does', () => {
    const wrong: string[] = [];
    for (const { path, text } of pages) {
      // Sentences, each on one line: claims wrap across lines in the source.
      for (const sentence of text.replace(/\s*\n\s*/g, ' ').split(/(?<=[.;:])\s+/)) {
        for (const [, polled] of sentence.matchAll(/\bpoll(?:s|ed|ing)?\b[^`]{0,60}`(\/[\w-]+)`/g))
          if (polled !== '/load') wrong.push(`${path}: polls ${polled}: "${sentence.slice(0, 140)}"`);
        // The SDK in a browser sends the token as the odin.bearer.<token> subprotocol; `?token=` is for older
        // clients. What a page says just before `?token=` is who it says sends one.
        for (const { index } of sentence.matchAll(/\?token=/g)) {
          const before = sentence.slice(Math.max(0, index - 60), index);
          if (/browser/i.test(before) && !/older/.test(before)) wrong.push(`${path}: browsers and ?token=: "${sentence.slice(0, 140)}"`);
        }
        if (/\bpids?\b/.test(sentence) && sentence.includes('/health') && !/detailed|ops|port \+ 100|GET \/health|\bno\b|minimal/.test(sentence))
          wrong.push(`${path}: a pid on the public /health: "${sentence.slice(0, 140)}"`);
      }
    }
    expect(wrong).toEqual([]);
    // What those sentences are checked against: the path the pool requests.
    expect(SHARD_LOAD_PATH).toBe('/load');
    expect(readFileSync(join(repo, 'packages/loadbalancer/src/pool/shard-health.ts'), 'utf8')).toContain('path: SHARD_LOAD_PATH');
  });

  it('reads every page it should (a page moved out of reach is not silently unchecked)', () => {
    expect(pages.map((page) => relative('.', page.path))).toEqual(
      expect.arrayContaining(['README.md', 'CONTRIBUTING.md', 'docs/faq.md', 'docs/configuration.md']),
    );
  });
});
