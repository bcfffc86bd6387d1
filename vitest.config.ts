import { defineConfig } from 'vitest/config';

// CI asks for a machine-readable summary without changing the test command: VITEST_JSON_REPORT=<file>.
const jsonReport = process.env['VITEST_JSON_REPORT'];

/** Pure code: no Kafka, no Java, no child processes. `pnpm test:unit` runs only these. */
const UNIT_TESTS = [
  'packages/*/src/**/*.test.ts',
  'packages/runtime/*.test.ts',
  'test/*.test.ts',
  'bench/src/chart.test.ts',
  'bench/src/latency.test.ts',
  'bench/src/loadgen/raw-client.test.ts',
  'bench/src/report.test.ts',
];
/**
 * Unit files that need a module graph of their own: the browser entry must not see the `ws`
 * default that another file's import of the Node entry sets (client/src/node.ts).
 */
const ISOLATED_UNIT_TESTS = ['packages/client/src/browser-entry.test.ts'];
/**
 * End-to-end files that measure latency or memory against a bound while loading the machine
 * themselves: each runs alone, after the others, so neither another file's load nor its own
 * reaches across (pattern-stall sends 30 s of attack at a shard).
 */
const ALONE_TESTS = ['apps/cli/test/pattern-stall.test.ts', 'apps/cli/test/lb-memory.test.ts'];

export default defineConfig({
  test: {
    // End-to-end files start real shard processes and Kafka consumers; two at a time fit 2 cores.
    pool: 'forks',
    maxWorkers: 2,
    testTimeout: 60_000,
    hookTimeout: 60_000,
    ...(jsonReport ? { reporters: ['default', 'json'], outputFile: { json: jsonReport } } : {}),
    projects: [
      // Pure code shares one module graph per worker (isolate: false): each file's fresh import of
      // the workspace cost more than the tests (`pnpm test:unit`: 24 s isolated, 14 s shared).
      { extends: true, test: { name: 'unit', include: UNIT_TESTS, exclude: ISOLATED_UNIT_TESTS, pool: 'threads', isolate: false } },
      { extends: true, test: { name: 'unit-isolated', include: ISOLATED_UNIT_TESTS, pool: 'threads' } },
      {
        extends: true,
        test: {
          name: 'e2e',
          include: ['apps/*/test/**/*.test.ts', 'bench/src/**/*.test.ts', 'infra/**/*.test.ts'],
          exclude: [...UNIT_TESTS, ...ALONE_TESTS],
          // Only end-to-end tests need the real broker: the setup starts one when none answers.
          globalSetup: ['test/global-setup.ts'],
        },
      },
      {
        extends: true,
        test: {
          name: 'e2e-alone',
          include: ALONE_TESTS,
          globalSetup: ['test/global-setup.ts'],
          fileParallelism: false,
          sequence: { groupOrder: 1 },
        },
      },
    ],
  },
});
