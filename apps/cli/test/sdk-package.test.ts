import { execFileSync, spawnSync } from 'node:child_process';
import { readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createTestTopic, produce, type ShardProcess, seedValue, startShardProcess } from '@odin-ws/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { installPackedSdk, type SdkUser } from './sdk-user.js';

const ATTW = fileURLToPath(new URL('../../../packages/client/node_modules/.bin/attw', import.meta.url));

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

describe('the SDK as users install it (pnpm pack, then npm install in an empty folder)', () => {
  let shard: ShardProcess;
  let sdk: SdkUser;
  let feeding: NodeJS.Timeout | undefined;

  beforeAll(async () => {
    const topic = await createTestTopic('sdk-package', 1);
    shard = await startShardProcess({ topics: [topic], args: [`--channel-map=${topic}=trade`] });
    sdk = installPackedSdk();
    // Records keep coming, so whichever moment a script subscribes, it gets one.
    feeding = setInterval(() => void produce(topic, [{ key: 'PKG', value: seedValue({ via: 'package' }) }]), 300);
  }, 180_000);

  afterAll(async () => {
    clearInterval(feeding);
    await shard?.stop();
  });

  it('ships its bundles, types, the Apache-2.0 license and README, and depends on nothing but ws', () => {
    const listing = execFileSync('tar', ['-tzf', sdk.tarball], { encoding: 'utf8' }).split('\n').filter(Boolean);
    expect(
      listing.every((path) => /^package\/(bundle\/|browser\/package\.json$|README\.md$|LICENSE$|package\.json$)/.test(path)),
      listing.join('\n'),
    ).toBe(true);
    expect(listing).toEqual(
      expect.arrayContaining([
        'package/LICENSE',
        'package/bundle/odin-client.mjs',
        'package/bundle/odin-client.cjs',
        'package/bundle/odin-client.browser.mjs',
        'package/bundle/odin-client.browser.cjs',
        'package/bundle/odin-client.d.ts',
        'package/bundle/odin-client.d.cts',
      ]),
    );
    const manifest = JSON.parse(execFileSync('tar', ['-xzOf', sdk.tarball, 'package/package.json'], { encoding: 'utf8' }));
    expect(manifest.license).toBe('Apache-2.0');
    expect(JSON.stringify(manifest)).not.toContain('workspace:');
    expect(execFileSync('tar', ['-xzOf', sdk.tarball, 'package/LICENSE'], { encoding: 'utf8' })).toContain(
      'Apache License\n                           Version 2.0',
    );
    const installed = readdirSync(join(sdk.project, 'node_modules'))
      .filter((name) => !name.startsWith('.'))
      .sort();
    // ws for Node; nothing else (fossil-delta and fflate, which rebuild delta messages, are bundled in).
    expect(installed).toEqual(['@odin-ws', 'ws']);
  });

  it('has types that are right for every resolver (arethetypeswrong finds no problem)', () => {
    const result = spawnSync(ATTW, [sdk.tarball, '--format', 'json'], { encoding: 'utf8' });
    const report = JSON.parse(result.stdout) as { analysis: { problems: unknown[] } };
    expect(report.analysis.problems).toEqual([]);
    expect(result.status).toBe(0);
  }, 60_000);

  it.each([
    ['an ES module', 'user.mjs', "import { OdinClient } from '@odin-ws/client';"],
    ['CommonJS', 'user.cjs', "const { OdinClient } = require('@odin-ws/client');"],
  ])(
    'streams from a real shard when loaded as %s',
    async (_label, file, load) => {
      const { code, output } = await sdk.run(file, script(load, shard.url));
      expect(output).toContain('subscribed');
      expect(output).toContain('"via":"package"');
      expect(code).toBe(0);
    },
    60_000,
  );

  it('type-checks a user program against the shipped types: errors by class and code, serverCode typed, /browser typed', () => {
    writeFileSync(
      join(sdk.project, 'user.ts'),
      [
        "import { ErrorCode, OdinClient, OdinError, type ServerCode, type StreamMessage, UnauthorizedError } from '@odin-ws/client';",
        "import { OdinClient as BrowserClient } from '@odin-ws/client/browser';",
        "const client: OdinClient = new OdinClient({ url: 'ws://x/ws', getToken: () => { throw new UnauthorizedError(); } });",
        "client.subscribe<{ price: number }>('BTC.trade', { since: { partition: 0, offset: 41 } }, (m: StreamMessage<{ price: number }>) => m.data.price.toFixed(2));",
        "client.on('error', (error) => {",
        "  if (!(error instanceof OdinError)) throw new Error('not an OdinError');",
        '  const code: ServerCode | undefined = error.details.serverCode;',
        "  if (error.code === ErrorCode.UNAUTHORIZED && code === 'TOKEN_EXPIRED') client.close();",
        '});',
        "// @ts-expect-error the SDK's ErrorCode has only client codes",
        'ErrorCode.KAFKA_CONFIG;',
        "// @ts-expect-error serverCode is typed from the protocol's codes",
        "const wrong: ServerCode = 'NOT_A_CODE';",
        "export const browserState: string = new BrowserClient({ url: 'ws://x/ws' }).state;",
        'export { wrong };',
        '',
      ].join('\n'),
    );
    const tsc = fileURLToPath(new URL('../../../node_modules/typescript/bin/tsc', import.meta.url));
    for (const module of ['nodenext', 'preserve']) {
      const resolution = module === 'nodenext' ? 'nodenext' : 'bundler';
      const result = spawnSync(
        process.execPath,
        [tsc, '--noEmit', '--strict', '--module', module, '--moduleResolution', resolution, '--skipLibCheck', 'false', '--lib', 'es2022,dom', 'user.ts'],
        { cwd: sdk.project, encoding: 'utf8' },
      );
      expect(result.stdout + result.stderr, module).toBe('');
    }
  }, 60_000);

  it('instanceof OdinError holds at run time for what the SDK throws, in ESM and CommonJS', async () => {
    for (const [file, load] of [
      ['errors.mjs', "import { OdinClient, OdinError, UnauthorizedError } from '@odin-ws/client';"],
      ['errors.cjs', "const { OdinClient, OdinError, UnauthorizedError } = require('@odin-ws/client');"],
    ] as const) {
      const { code, output } = await sdk.run(
        file,
        `${load}
try { new OdinClient({ url: 'ws://x/ws' }).connect().subscribe('not a channel!'); } catch (error) {
  console.log(JSON.stringify({ odin: error instanceof OdinError, code: error.code, unauthorized: new UnauthorizedError() instanceof OdinError }));
}
process.exit(0);
`,
      );
      expect(output.trim(), file).toBe('{"odin":true,"code":"E_INVALID_CHANNEL","unauthorized":true}');
      expect(code).toBe(0);
    }
  });
});
