import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, posix, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

/**
 * The layout rules of docs/architecture.md, held for the two packages laid out by concern: at most
 * eight files at the top of src/, every other file in a folder with an index.ts that says what it
 * owns, and no import into a sibling folder's files except its index. The import-cycle rule
 * (biome.json) keeps the folders themselves from depending on each other in a circle.
 */
const repo = new URL('../', import.meta.url).pathname;
const LAID_OUT = ['packages/shard/src', 'packages/loadbalancer/src'];
const MAX_TOP_LEVEL_FILES = 8;
const IMPORT = /(?:import|export)\s[^'";]*?from\s+'(\.{1,2}\/[^']+)'/g;

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? sourceFiles(path) : name.endsWith('.ts') ? [path] : [];
  });
}

/** A relative import that reaches into another folder past its index, or undefined. */
function crossFolderViolation(fromFile: string, specifier: string): string | undefined {
  const target = posix.normalize(posix.join(posix.dirname(fromFile), specifier));
  const fromFolder = posix.dirname(fromFile).split('/')[0];
  const [targetFolder, ...rest] = target.split('/');
  // Out of src/ (a package's test-support/), a top-level file, or the file's own folder.
  if (targetFolder === '..' || rest.length === 0 || targetFolder === fromFolder) return undefined;
  return rest.join('/') === 'index.js' ? undefined : target;
}

describe('the layout by concern', () => {
  for (const src of LAID_OUT) {
    const root = join(repo, src);
    const files = sourceFiles(root).map((file) => relative(root, file).split('\\').join('/'));

    it(`${src}: at most ${MAX_TOP_LEVEL_FILES} files at the top, every folder with an index that says what it owns`, () => {
      const top = files.filter((file) => !file.includes('/'));
      expect(top.length, top.join(', ')).toBeLessThanOrEqual(MAX_TOP_LEVEL_FILES);
      const folders = new Set(files.filter((file) => file.includes('/')).map((file) => file.split('/')[0]!));
      for (const folder of folders) {
        const index = readFileSync(join(root, folder, 'index.ts'), 'utf8');
        expect(index.startsWith('/**'), `${folder}/index.ts opens with a comment naming what the folder owns`).toBe(true);
      }
    });

    it(`${src}: no file imports a sibling folder's internals, only its index`, () => {
      const violations = files.flatMap((file) =>
        [...readFileSync(join(root, file), 'utf8').matchAll(IMPORT)]
          .map((match) => crossFolderViolation(file, match[1]!))
          .filter((target) => target !== undefined)
          .map((target) => `${file} -> ${target}`),
      );
      expect(violations).toEqual([]);
    });
  }

  it('tells a reach into a folder from a use of its index', () => {
    expect(crossFolderViolation('session/subscriptions.ts', '../delivery/form-topics.js')).toBe('delivery/form-topics.js');
    expect(crossFolderViolation('session/subscriptions.ts', '../delivery/index.js')).toBeUndefined();
    expect(crossFolderViolation('session/subscriptions.ts', './client-state.js')).toBeUndefined();
    expect(crossFolderViolation('shard-server.ts', './state/last-values.js')).toBe('state/last-values.js');
    expect(crossFolderViolation('ingest/broadcaster.ts', '../shard-metrics.js')).toBeUndefined();
    expect(crossFolderViolation('pool/shard-dial.test.ts', '../../test-support/fake-shard.js')).toBeUndefined();
  });
});
