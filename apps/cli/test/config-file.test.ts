import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileKeyOf, MODES, OPTION_SPECS } from '@odin-ws/config';
import { CLI_PATH, createTestTopic, kafkaBrokers, produce, seedValue, spawnCli, stablePortRange, TestClient, waitFor } from '@odin-ws/testkit';
import { describe, expect, it } from 'vitest';

// `--config <file>`, `odin-ws config check` and `odin-ws config example` (docs/configuration.md#config-file),
// run as an operator runs them: the real CLI, real files, and for the start, a real shard and broker.

const dir = mkdtempSync(join(tmpdir(), 'odin-config-'));
let fileCount = 0;
const fileWith = (text: string, extension = 'yaml') => {
  const path = join(dir, `settings-${++fileCount}.${extension}`);
  writeFileSync(path, text);
  return path;
};
/** Runs the CLI with only the environment given here (and PATH), so the machine's ODIN_* cannot leak in. */
const cli = (args: string[], env: Record<string, string> = {}, execArgv: string[] = []) =>
  spawnSync(process.execPath, [...execArgv, CLI_PATH, ...args], { env: { PATH: process.env['PATH'] ?? '', ...env }, encoding: 'utf8', timeout: 20_000 });
const lineOf = (output: string, key: string) => output.split('\n').find((line) => line.startsWith(`${key}: `));

describe('odin-ws config check', () => {
  it('prints the effective configuration of examples/shard.yaml with where each value came from', () => {
    const result = cli(['config', 'check', '--config', 'examples/shard.yaml']);
    expect(result.status, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/^mode: shard$/m);
    expect(lineOf(result.stdout, 'port')).toBe('port: 3002  # file examples/shard.yaml');
    expect(lineOf(result.stdout, 'channel-map')).toBe('channel-map: "odin.trades=trade,odin.tickers=ticker,odin.orderbooks=book"  # file examples/shard.yaml');
    expect(lineOf(result.stdout, 'history-size')).toBe('history-size: 1000  # default');
    // Every setting of the mode is listed, and none of another mode's.
    for (const spec of OPTION_SPECS.filter((candidate) => candidate.key !== 'config')) {
      expect(lineOf(result.stdout, fileKeyOf(spec.flag)) !== undefined, spec.flag).toBe(spec.modes.includes('shard'));
    }
  });

  it('takes a flag over an ODIN_* variable over the file over the default', () => {
    const path = fileWith('mode: shard\nport: 4000\nmax-connections: 5000\nmax-subscriptions: 7\nhistory-size: 10\n');
    const result = cli(['config', 'check', `--config=${path}`, '--port=4200'], { ODIN_PORT: '4100', ODIN_MAX_CONNECTIONS: '6000' });
    expect(result.status, result.stderr).toBe(0);
    expect(lineOf(result.stdout, 'port')).toBe('port: 4200  # flag');
    expect(lineOf(result.stdout, 'max-connections')).toBe('max-connections: 6000  # env ODIN_MAX_CONNECTIONS');
    expect(lineOf(result.stdout, 'max-subscriptions')).toBe(`max-subscriptions: 7  # file ${path}`);
    expect(lineOf(result.stdout, 'max-record-size')).toBe('max-record-size: 1048576  # default');
    // A mode given by flag or ODIN_MODE wins over the file's too.
    expect(cli(['config', 'check', `--config=${path}`], { ODIN_MODE: 'feed' }).stdout).toMatch(/^mode: feed$/m);
  });

  it('reads JSON, lists and maps as the flags would take them', () => {
    const path = fileWith(
      JSON.stringify({ mode: 'loadbalancer', 'backend-urls': ['ws://127.0.0.1:3002/ws', 'ws://127.0.0.1:3003/ws'], 'kafka-ssl': true }),
      'json',
    );
    const result = cli(['config', 'check', '--config', path]);
    expect(result.status, result.stderr).toBe(0);
    expect(lineOf(result.stdout, 'backend-urls')).toBe(`backend-urls: "ws://127.0.0.1:3002/ws,ws://127.0.0.1:3003/ws"  # file ${path}`);
  });

  it('blanks credentials and query strings of URLs', () => {
    const path = fileWith('mode: shard\nauth-jwks-url: https://odin:hunter2@idp.example/jwks?key=abc\nauth-audience: odin-ws\n');
    const result = cli(['config', 'check', '--config', path]);
    expect(result.status, result.stderr).toBe(0);
    expect(lineOf(result.stdout, 'auth-jwks-url')).toBe(`auth-jwks-url: "https://***@idp.example/jwks?***"  # file ${path}`);
    expect(result.stdout).not.toMatch(/hunter2|abc/);
  });

  it.each([
    [
      'a value the flag refuses',
      'mode: shard\nmax-connections: lots\n',
      /^odin-ws: E_INVALID_OPTION_VALUE: max-connections: "lots" in --config \S+: expected a whole number from 1 to \d+, got 'lots'\n$/,
    ],
    [
      'a rule across flags',
      'mode: shard\nkafka-ssl-cert-file: /etc/client.pem\n',
      /^odin-ws: E_INVALID_OPTION_VALUE: mutual TLS needs both --kafka-ssl-cert-file and --kafka-ssl-key-file\n$/,
    ],
    [
      'a file a setting names that cannot be read',
      'mode: shard\nauth-secret-file: /nonexistent/secret\n',
      /^odin-ws: E_INVALID_OPTION_VALUE: auth-secret-file: "\/nonexistent\/secret": cannot read it \(ENOENT\)\n$/,
    ],
    ['an unknown key', 'mode: shard\nmax-conections: 5\n', /^odin-ws: E_CONFIG_FILE: --config \S+: max-conections: not a setting of odin-ws/],
    ['a bad mode', 'mode: galaxy\n', /^odin-ws: E_CONFIG_FILE: --config \S+: mode: expected one of shard, loadbalancer, feed, local, got "galaxy"\n$/],
    ['text that is not YAML', 'mode: shard\n  port: [3002\n', /^odin-ws: E_CONFIG_FILE: --config \S+: not YAML or JSON: /],
    ['a list at the top', '- mode: shard\n', /^odin-ws: E_CONFIG_FILE: --config \S+: expected a map of flag names to values at the top\n$/],
    ['a key given twice', 'mode: shard\nport: 1\nport: 2\n', /^odin-ws: E_CONFIG_FILE: --config \S+: not YAML or JSON: .*[Uu]nique/],
    [
      'a value that is a map of maps',
      'mode: shard\nchannel-map:\n  a:\n    b: c\n',
      /^odin-ws: E_CONFIG_FILE: --config \S+: channel-map: expected a string, number, on\/off, a list or a map, got a map\n$/,
    ],
    // Aliases are refused outright: a few lines of them expand into gigabytes in a parser that follows them.
    [
      'aliases (a billion laughs)',
      'a: &a [x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]\nmode: shard\n',
      /^odin-ws: E_CONFIG_FILE: --config \S+: not YAML or JSON: .*[Aa]lias/,
    ],
  ])('exits 78 with one line for %s', (_label, text, pattern) => {
    const result = cli(['config', 'check', '--config', fileWith(text)]);
    expect(result.status).toBe(78);
    expect(result.stderr).toMatch(pattern);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(result.stdout).toBe('');
  });

  it('does not echo the value of a key it does not know (a misplaced secret stays out of logs)', () => {
    const result = cli(['config', 'check', '--config', fileWith('mode: shard\nkafka-sasl-password: hunter2\n')]);
    expect(result.status).toBe(78);
    expect(result.stderr).toContain('kafka-sasl-password: not a setting of odin-ws');
    expect(result.stderr).not.toContain('hunter2');
  });

  it('exits 78 for a --config file that cannot be read, and 64 without a mode anywhere', () => {
    const missing = cli(['config', 'check', '--config', join(dir, 'absent.yaml')]);
    expect([missing.status, missing.stderr]).toEqual([78, `odin-ws: E_CONFIG_FILE: --config ${join(dir, 'absent.yaml')}: cannot read it (ENOENT)\n`]);
    const modeless = cli(['config', 'check', '--config', fileWith('port: 3002\n')]);
    expect(modeless.status).toBe(64);
    expect(modeless.stderr).toMatch(/^odin-ws: E_USAGE: --mode is required/);
  });
});

describe('odin-ws config example', () => {
  it.each(MODES)('prints a file for --mode=%s that config check takes, every setting of the mode present and commented at its default', (mode) => {
    const example = cli(['config', 'example', '--mode', mode]);
    expect(example.status, example.stderr).toBe(0);
    for (const spec of OPTION_SPECS.filter((candidate) => candidate.modes.includes(mode) && candidate.key !== 'config')) {
      expect(example.stdout).toMatch(new RegExp(`^# ${fileKeyOf(spec.flag)}: `, 'm'));
    }
    const checked = cli(['config', 'check', '--config', fileWith(example.stdout)]);
    expect(checked.status, checked.stderr).toBe(0);
    expect(checked.stdout).toMatch(new RegExp(`^mode: ${mode}$`, 'm'));
    expect(checked.stdout).not.toContain('# file ');
  });

  it('refuses a missing or unknown mode with a usage or configuration error', () => {
    expect(cli(['config', 'example']).status).toBe(64);
    expect(cli(['config', 'example', '--mode', 'galaxy']).status).toBe(78);
  });
});

describe('a shard started from a --config file', () => {
  it('listens where the file says and streams the file topic', async () => {
    const topic = await createTestTopic('config-file', 1);
    const port = await stablePortRange(1);
    const path = fileWith(
      [
        'mode: shard',
        'host: 127.0.0.1',
        `port: ${port}`,
        `kafka-brokers: ["${kafkaBrokers()}"]`,
        `topics: [${topic}]`,
        'channel-map:',
        `  ${topic}: trade`,
        'log-level: warn',
      ].join('\n'),
    );
    const shard = spawnCli(['--config', path]);
    try {
      await waitFor('the shard ready', async () => (await fetch(`http://127.0.0.1:${port}/ready`)).ok, 30_000, 100);
      const client = await TestClient.connect(`ws://127.0.0.1:${port}/ws`);
      await client.subscribe(['CFG.trade']);
      await produce(topic, [{ key: 'CFG', value: seedValue({ n: 1 }) }]);
      expect((await client.waitForData(1, 'CFG.trade'))[0]).toMatchObject({ channel: 'CFG.trade' });
      client.terminate();
    } finally {
      shard.child.kill('SIGKILL');
      await shard.exited;
    }
  }, 60_000);
});

describe("on the machine's own Node, where it is not the supported one (CI: Node 20)", () => {
  const machineNode = process.env['npm_node_execpath'];
  const version = machineNode ? spawnSync(machineNode, ['--version'], { encoding: 'utf8' }).stdout.trim() : '';

  it('answers --help, --version and config check, and refuses only to run a tier', (context) => {
    if (!machineNode || version.startsWith('v24.')) context.skip(`the Node that runs pnpm is ${version || 'unknown'}, not an unsupported one`);
    const run = (args: string[]) =>
      spawnSync(machineNode!, [CLI_PATH, ...args], { env: { PATH: process.env['PATH'] ?? '' }, encoding: 'utf8', timeout: 20_000 });
    expect(run(['--mode=shard', '--help'])).toMatchObject({ status: 0, stderr: '' });
    const versionLines = run(['--version']);
    expect(versionLines.status, versionLines.stderr).toBe(0);
    expect(versionLines.stdout).toContain(`\nnode ${version} (`);
    expect(run(['config', 'check', '--config', 'examples/shard.yaml']).status).toBe(0);
    const tier = run(['--config', 'examples/shard.yaml']);
    expect([tier.status, tier.stderr]).toEqual([1, expect.stringMatching(/^odin-ws: E_NODE_UNSUPPORTED: Node \d+/)]);
  });
});

describe('on a Node odin-ws does not run on', () => {
  // The version and ABI are what the check reads; a preload makes this Node claim Node 20's.
  const node20 = [
    '--import',
    "data:text/javascript,Object.defineProperty(process.versions,'modules',{value:'115'});Object.defineProperty(process.versions,'node',{value:'20.20.2'});Object.defineProperty(process,'version',{value:'v20.20.2'})",
  ];

  it('still answers --help, --version and config check, and refuses only to run a tier', () => {
    expect(cli(['--mode=shard', '--help'], {}, node20)).toMatchObject({ status: 0, stderr: '' });
    const version = cli(['--version'], {}, node20);
    expect(version.status, version.stderr).toBe(0);
    expect(version.stdout).toMatch(
      /^odin-ws \d+\.\d+\.\d+\nnode v20\.20\.2 \(ABI 115, glibc [\d.]+\)\nuWebSockets\.js 20\.56\.0: does not load on this Node \(.+\)\n$/,
    );
    expect(cli(['config', 'check', '--config', 'examples/shard.yaml'], {}, node20).status).toBe(0);
    const run = cli(['--config', 'examples/shard.yaml'], {}, node20);
    expect(run.status).toBe(1);
    expect(run.stderr).toMatch(/^odin-ws: E_NODE_UNSUPPORTED: /);
  });
});
