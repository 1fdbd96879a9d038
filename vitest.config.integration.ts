import { defineConfig } from 'vitest/config';

// One Temporal dev server and one Postgres for the whole run (global setup); every file runs its
// own worker on its own task queue. Forks, not threads: worker threads crash the Temporal bridge.
// TEMPOFLOW_CANARY=1 runs only the deliberately failing canary, with the same global setup, so the
// guard (test/canary/guard.ts) proves that nothing the setup loads swallows the exit code.
export default defineConfig({
  test: {
    include: process.env.TEMPOFLOW_CANARY
      ? ['test/canary/*.test.ts']
      : ['test/integration/**/*.test.ts', 'test/replay/**/*.test.ts'],
    globalSetup: ['test/global-setup.ts'],
    pool: 'forks',
    maxWorkers: 2,
    testTimeout: 120_000,
    hookTimeout: 180_000,
  },
});
