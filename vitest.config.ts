import { defineConfig } from 'vitest/config';

// CI asks for a machine-readable summary without changing the test command: VITEST_JSON_REPORT=<file>.
const jsonReport = process.env['VITEST_JSON_REPORT'];

export default defineConfig({
  test: {
    include: ['packages/*/src/**/*.test.ts', 'apps/*/test/**/*.test.ts', 'bench/src/**/*.test.ts', 'infra/**/*.test.ts'],
    globalSetup: ['test/global-setup.ts'],
    // End-to-end files start real shard processes and Kafka consumers; two at a time fit 2 cores.
    pool: 'forks',
    poolOptions: { forks: { maxForks: 2, minForks: 1 } },
    testTimeout: 60_000,
    hookTimeout: 60_000,
    ...(jsonReport ? { reporters: ['default', 'json'], outputFile: { json: jsonReport } } : {}),
  },
});
