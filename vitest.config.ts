import { defineConfig } from 'vitest/config';

// Suites that start test hosts serialise themselves through the harness lock,
// so files may run in parallel on the two cores.
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    maxWorkers: 2,
    reporters: ['default'],
  },
});
