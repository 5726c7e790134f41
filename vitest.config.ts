import { defineConfig } from 'vitest/config';

// Suites that start test hosts serialise themselves through the harness lock,
// so test files may run in parallel on the two cores.
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 180_000,
    maxWorkers: 2,
    // A fresh CI machine has no Git identity; tests that commit need one.
    env: {
      GIT_AUTHOR_NAME: 'boxfleet tests',
      GIT_AUTHOR_EMAIL: 'tests@boxfleet.invalid',
      GIT_COMMITTER_NAME: 'boxfleet tests',
      GIT_COMMITTER_EMAIL: 'tests@boxfleet.invalid',
    },
  },
});
