import { defineConfig } from 'vitest/config';

// One Temporal dev server and one Postgres for the whole run (global setup); every file runs its
// own worker on its own task queue. Forks, not threads: worker threads crash the Temporal bridge.
export default defineConfig({
  test: {
    include: ['test/integration/**/*.test.ts', 'test/replay/**/*.test.ts'],
    globalSetup: ['test/global-setup.ts'],
    pool: 'forks',
    maxWorkers: 2,
    testTimeout: 120_000,
    hookTimeout: 180_000,
  },
});
