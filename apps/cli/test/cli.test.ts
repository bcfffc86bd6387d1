import { spawn, spawnSync } from 'node:child_process';
import { MODES, OPTION_SPECS } from '@odin-ws/config';
import { CLI_PATH, kafkaBrokers, stablePortRange, startShardProcess, TestClient, waitFor } from '@odin-ws/testkit';
import { afterAll, describe, expect, it } from 'vitest';

function runCli(args: string[], env: Record<string, string> = {}) {
  return spawnSync(process.execPath, [CLI_PATH, ...args], { env: { ...process.env, ...env }, encoding: 'utf8', timeout: 20_000 });
}

describe('odin-ws CLI', () => {
  it.each(MODES)('lists every flag of --mode=%s in its --help, one line each, grouped, within 120 columns', (mode) => {
    const result = runCli([`--mode=${mode}`, '--help']);
    expect(result.status).toBe(0);
    const lines = result.stdout.trimEnd().split('\n');
    for (const line of lines) expect(line.length, line).toBeLessThanOrEqual(120);
    for (const spec of OPTION_SPECS.filter((candidate) => candidate.modes.includes(mode))) {
      const line = lines.find((candidate) => candidate.trimStart().startsWith(`${spec.flag} `));
      expect(line, spec.flag).toMatch(/ \[[^\]]+\]$/); // the default closes the flag's one line
    }
    // Another mode's flags are accepted but not listed.
    if (mode === 'shard') {
      expect(lines.length).toBeLessThanOrEqual(100);
      expect(result.stdout).not.toContain('--lb-workers');
      expect(result.stdout).toMatch(/^Kafka security:$/m);
    }
  });

  it("answers --help without a mode with the general flags and how to see a mode's", () => {
    const result = runCli(['--help']);
    expect(result.status).toBe(0);
    expect(result.stdout).toContain('--mode <mode>');
    expect(result.stdout).toContain('odin-ws --mode=<shard|loadbalancer|feed|local> --help');
    expect(result.stdout).not.toContain('--max-connections ');
  });

  it.each([
    ['a missing mode', [], {}, 64, /^odin-ws: E_USAGE: --mode is required/],
    ['an unknown flag', ['--mode=shard', '--bogus=1'], {}, 64, /^odin-ws: E_USAGE: unknown option '--bogus=1'/],
    ['an argument no flag takes', ['--mode=shard', 'stray'], {}, 64, /^odin-ws: E_USAGE: too many arguments/],
    ['an unknown command', ['config', 'frobnicate'], {}, 64, /^odin-ws: E_USAGE: odin-ws config: expected check or example, got "frobnicate"/],
    ['an unknown mode', ['--mode=galaxy'], {}, 78, /E_INVALID_OPTION_VALUE: .*galaxy/],
    ['a bad number', ['--mode=shard', '--port=http'], {}, 78, /--port <port>.*expected a whole number from 0 to 65535, got 'http'/],
    ['a bad broker list', ['--mode=shard', '--kafka-brokers=localhost'], {}, 78, /--kafka-brokers.*host:port/],
    ['a heartbeat off the 4 s tick', ['--mode=shard', '--heartbeat-interval=10'], {}, 78, /multiple of 4/],
    ['a bad environment value', ['--mode=shard'], { ODIN_MAX_CONNECTIONS: 'lots' }, 78, /ODIN_MAX_CONNECTIONS.*got 'lots'/],
    [
      'SASL PLAIN over plaintext',
      ['--mode=shard', '--kafka-sasl-mechanism=plain', '--kafka-sasl-username=odin'],
      { ODIN_KAFKA_SASL_PASSWORD: 'not-to-be-sent-in-clear' },
      78,
      /^odin-ws: E_INVALID_OPTION_VALUE: --kafka-sasl-mechanism plain over plaintext would send its password in clear: turn on --kafka-ssl, or pass --kafka-allow-plaintext-sasl\n$/,
    ],
  ])('exits with its status and one line for %s', (_label, args, env, status, pattern) => {
    const result = runCli(args, env);
    expect(result.status).toBe(status);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(result.stderr).toMatch(pattern);
  });

  it('prints the odin-ws, Node and uWS versions (a native binary), one line each, with --version', () => {
    const result = runCli(['--version']);
    expect(result.status, result.stderr).toBe(0);
    const lines = result.stdout.trim().split('\n');
    expect(lines).toHaveLength(3);
    expect(lines[0]).toMatch(/^odin-ws \d+\.\d+\.\d+$/);
    expect(lines[1]).toMatch(/^node v24\.\d+\.\d+ \(ABI 137, glibc 2\.(3[89]|[4-9]\d)\)$/);
    expect(lines[2]).toMatch(/^uWebSockets\.js 20\.56\.0 \(@btc-vision\/uwebsockets\.js@20\.56\.0, native binary \/.*\/uws_linux_x64_137\.node\)$/);
  });

  it.each([
    ['Node 20 (end of life)', '20.20.2', '115'],
    ['Node 22', '22.23.0', '127'],
  ])('refuses to start on %s with one line naming the supported Node, even where a uWS binary exists for it', async (_label, node, abi) => {
    const port = await stablePortRange(1);
    // The version and ABI are what the check reads; a preload makes this Node claim another's.
    const other = `data:text/javascript,Object.defineProperty(process.versions,'modules',{value:'${abi}'});Object.defineProperty(process.versions,'node',{value:'${node}'})`;
    const result = spawnSync(process.execPath, ['--import', other, CLI_PATH, '--mode=shard', `--port=${port}`], { encoding: 'utf8', timeout: 20_000 });
    expect(result.status).toBe(1);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(result.stderr).toBe(
      `odin-ws: E_NODE_UNSUPPORTED: Node ${node} (ABI ${abi}) is not supported: odin-ws runs on Node 24 LTS (Linux x64 or arm64 with glibc 2.38 or newer, or macOS) (docs/deploy.md#runtime)\n`,
    );
  });

  it('refuses to start a second shard on a port a shard already holds (no silent SO_REUSEPORT sharing)', async () => {
    const first = await startShardProcess({ topics: ['odin.trades'], waitReady: false });
    try {
      const result = runCli(['--mode=shard', '--host=127.0.0.1', `--port=${first.port}`, `--kafka-brokers=${kafkaBrokers()}`]);
      expect(result.status).toBe(1);
      expect(result.stderr).toMatch(/E_LISTEN_FAILED: cannot listen on 127.0.0.1:\d+/);
    } finally {
      await first.stop();
    }
  });

  describe('--mode=local (the README run command)', () => {
    let fleet: ReturnType<typeof spawn> | undefined;
    afterAll(() => {
      fleet?.kill('SIGKILL');
    });

    it('starts the feed, N shards and the load balancer against the configured broker, streams data, and stops on SIGINT', async () => {
      // Four consecutive free ports (two shards, the LB, the page), below the ephemeral range: local mode binds
      // them seconds later, and on a loaded suite an outgoing connection could take an ephemeral one meanwhile.
      const base = await stablePortRange(4);
      const [lbPort, webPort] = [base + 2, base + 3];
      fleet = spawn(
        process.execPath,
        [
          CLI_PATH,
          '--mode=local',
          '--shards=2',
          `--port=${base}`,
          `--lb-port=${lbPort}`,
          `--web-port=${webPort}`,
          '--host=127.0.0.1',
          `--kafka-brokers=${kafkaBrokers()}`,
          '--rate=200',
          '--log-level=warn',
          '--health-interval=200',
        ],
        { stdio: 'ignore' },
      );
      const urls = [0, 1].map((i) => `http://127.0.0.1:${base + i}`).concat(`http://127.0.0.1:${lbPort}`);
      for (const url of urls) await waitFor(`${url}/ready`, async () => (await fetch(`${url}/ready`)).status === 200, 30_000, 200);
      const client = await TestClient.connect(`ws://127.0.0.1:${lbPort}/ws`);
      await client.subscribe(['BTC.trade', 'BTC.ticker', 'BTC.book']);
      const data = await client.waitForData(3, undefined, 20_000);
      expect(data[0]).toMatchObject({ type: 'price:update', data: { data: { symbol: 'BTC' } } });
      const exited = new Promise<number | null>((resolve) => fleet!.once('exit', (code) => resolve(code)));
      fleet.kill('SIGINT');
      expect(await exited).toBe(0);
      await client.closedPromise;
      for (const url of urls) await expect(fetch(`${url}/health`)).rejects.toThrow();
    }, 60_000);
  });
});
