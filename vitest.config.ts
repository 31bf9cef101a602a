import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // The full-size stress suites run only under `npm run test:stress` (ACSYNC_STRESS=full).
    exclude: process.env.ACSYNC_STRESS ? ['node_modules/**'] : ['test/stress/**', 'node_modules/**'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    // Two cores: run test files two at a time; each file owns its own schema / DuckDB file / emulator port.
    maxWorkers: 2,
    reporters: ['default', './test/support/summary-reporter.ts'],
  },
});
