// The SDK as users install it (npm pack): the workspace packages it imports (@odin-ws/protocol,
// @odin-ws/errors) are bundled in, so it depends on nothing but `ws` (Node only).
//   bundle/odin-client.mjs          Node, ES module (uses `ws`)
//   bundle/odin-client.cjs          Node, CommonJS (uses `ws`)
//   bundle/odin-client.browser.mjs  browsers, one ES module with no imports (the ticker page loads it as is)
//   bundle/odin-client.browser.cjs  the same for CommonJS bundlers (`require('@odin-ws/client/browser')`)
//   browser/package.json            (committed) points resolvers without `exports` support (node10) there
//   bundle/odin-client.d.ts         the types, with the workspace packages' types inlined (ESM entries)
//   bundle/odin-client.d.cts        the same types for the CommonJS entry (a .d.ts in a "type": "module"
//                                   package would declare it ESM: "masquerading as ESM")
//   bundle/THIRD-PARTY-NOTICES.txt  the licenses of what is bundled in (fossil-delta, fflate), which
//                                   their terms ask to travel with the code
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = fileURLToPath(new URL('..', import.meta.url));

// Every `pnpm build` (so every `pnpm test:unit`) runs this; the types bundler alone takes seconds. A
// fingerprint of what goes in (the SDK's sources, the workspace packages it inlines, this script)
// skips the work when none of it changed since the last bundle.
const inputs = ['src', '../protocol/src', '../errors/src'].flatMap((dir) =>
  readdirSync(join(root, dir), { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => join(entry.parentPath, entry.name)),
);
const fingerprint = createHash('sha256');
for (const file of [...inputs.sort(), fileURLToPath(import.meta.url), join(root, 'package.json')]) fingerprint.update(file).update(readFileSync(file));
// Beside the bundle, not in it: bundle/ is what npm pack ships.
const stamp = join(root, 'node_modules/.bundle-inputs');
const digest = fingerprint.digest('hex');
if (existsSync(stamp) && readFileSync(stamp, 'utf8') === digest && existsSync(join(root, 'bundle/odin-client.d.cts'))) process.exit(0);
const common = { absWorkingDir: root, bundle: true, sourcemap: true, target: 'es2022', logLevel: 'warning', legalComments: 'none' };
const node = { ...common, entryPoints: ['src/node.ts'], platform: 'node', external: ['ws'] };

await Promise.all([
  build({ ...node, format: 'esm', outfile: 'bundle/odin-client.mjs' }),
  build({ ...node, format: 'cjs', outfile: 'bundle/odin-client.cjs' }),
  build({ ...common, entryPoints: ['src/index.ts'], platform: 'browser', format: 'esm', outfile: 'bundle/odin-client.browser.mjs' }),
  build({ ...common, entryPoints: ['src/index.ts'], platform: 'browser', format: 'cjs', outfile: 'bundle/odin-client.browser.cjs' }),
]);

const require = createRequire(import.meta.url);
execFileSync(
  process.execPath,
  [
    require.resolve('dts-bundle-generator/dist/bin/dts-bundle-generator.js'),
    '--project',
    'tsconfig.json',
    '--external-inlines',
    '@odin-ws/protocol',
    '@odin-ws/errors',
    '--no-banner',
    '--silent',
    '-o',
    'bundle/odin-client.d.ts',
    'src/index.ts',
  ],
  { cwd: root, stdio: 'inherit' },
);
copyFileSync(`${root}bundle/odin-client.d.ts`, `${root}bundle/odin-client.d.cts`);

const notices = ['fossil-delta', 'fflate'].map((name) => {
  const license = readFileSync(join(dirname(require.resolve(name)), name === 'fflate' ? '..' : '.', 'LICENSE'), 'utf8');
  return `${name}\n${'='.repeat(name.length)}\n\n${license.trim()}\n`;
});
writeFileSync(`${root}bundle/THIRD-PARTY-NOTICES.txt`, `${notices.join('\n')}`);
writeFileSync(stamp, digest);
