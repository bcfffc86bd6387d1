import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createTestTopic, produce, type ShardProcess, seedValue, startShardProcess } from '@odin-ws/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const CLIENT_DIR = fileURLToPath(new URL('../../../packages/client/', import.meta.url));

/** Runs a script in `dir` with Node and resolves with what it printed once it exits. */
function runScript(dir: string, file: string): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [file], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.stderr.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.once('exit', (code) => resolve({ code, output }));
  });
}

/** A user's script: connect, subscribe, print the first message's data, exit. */
const script = (load: string, url: string) => `${load}
const client = new OdinClient({ url: ${JSON.stringify(url)} }).connect();
const subscription = client.subscribe('PKG.trade', (message) => {
  console.log(JSON.stringify(message.data));
  client.close();
});
subscription.on('subscribed', () => console.log('subscribed'));
setTimeout(() => { console.log('timed out'); process.exit(1); }, 20000).unref();
`;

describe('the SDK as users install it (npm pack, then npm install in an empty folder)', () => {
  let shard: ShardProcess;
  let project: string;
  let tarball: string;
  let feeding: NodeJS.Timeout | undefined;

  beforeAll(async () => {
    const topic = await createTestTopic('sdk-package', 1);
    shard = await startShardProcess({ topics: [topic], args: [`--channel-map=${topic}=trade`] });
    const packed = mkdtempSync(join(tmpdir(), 'odin-sdk-pack-'));
    execFileSync('npm', ['pack', '--pack-destination', packed, '--silent'], { cwd: CLIENT_DIR, stdio: 'pipe' });
    tarball = join(packed, readdirSync(packed).find((name) => name.endsWith('.tgz'))!);
    project = mkdtempSync(join(tmpdir(), 'odin-sdk-user-'));
    writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'sdk-user', private: true }));
    execFileSync('npm', ['install', tarball, '--no-audit', '--no-fund', '--prefer-offline', '--silent'], { cwd: project, stdio: 'pipe' });
    // Records keep coming, so whichever moment a script subscribes, it gets one.
    feeding = setInterval(() => void produce(topic, [{ key: 'PKG', value: seedValue({ via: 'package' }) }]), 300);
  }, 180_000);

  afterAll(async () => {
    clearInterval(feeding);
    await shard?.stop();
  });

  it('ships only its bundles, types and README, and depends on nothing but ws', () => {
    const listing = execFileSync('tar', ['-tzf', tarball], { encoding: 'utf8' }).split('\n').filter(Boolean);
    expect(
      listing.every((path) => /^package\/(bundle\/|README\.md$|package\.json$)/.test(path)),
      listing.join('\n'),
    ).toBe(true);
    expect(listing).toEqual(
      expect.arrayContaining([
        'package/bundle/odin-client.mjs',
        'package/bundle/odin-client.cjs',
        'package/bundle/odin-client.browser.mjs',
        'package/bundle/odin-client.d.ts',
      ]),
    );
    const installed = readdirSync(join(project, 'node_modules'))
      .filter((name) => !name.startsWith('.'))
      .sort();
    expect(installed).toEqual(['@odin-ws', 'ws']);
  });

  it.each([
    ['an ES module', 'user.mjs', "import { OdinClient } from '@odin-ws/client';"],
    ['CommonJS', 'user.cjs', "const { OdinClient } = require('@odin-ws/client');"],
  ])(
    'streams from a real shard when loaded as %s',
    async (_label, file, load) => {
      writeFileSync(join(project, file), script(load, shard.url));
      const { code, output } = await runScript(project, file);
      expect(output).toContain('subscribed');
      expect(output).toContain('"via":"package"');
      expect(code).toBe(0);
    },
    60_000,
  );

  it('type-checks a user program against the shipped types', () => {
    writeFileSync(
      join(project, 'user.ts'),
      "import { OdinClient, type StreamMessage } from '@odin-ws/client';\nconst client: OdinClient = new OdinClient({ url: 'ws://x/ws', getToken: () => 't' });\nclient.subscribe<{ price: number }>('BTC.trade', (m: StreamMessage<{ price: number }>) => m.data.price.toFixed(2));\n",
    );
    const tsc = fileURLToPath(new URL('../../../node_modules/typescript/bin/tsc', import.meta.url));
    const result = execFileSync(
      process.execPath,
      [tsc, '--noEmit', '--strict', '--module', 'nodenext', '--moduleResolution', 'nodenext', '--skipLibCheck', 'false', 'user.ts'],
      {
        cwd: project,
        encoding: 'utf8',
      },
    );
    expect(result).toBe('');
  }, 60_000);
});
