import { defineConfig } from 'vitest/config';

// Workflow tests: the real workflow code on the SDK's time-skipping test server, with stub
// activities (test/workflow/). Each file starts its own server; one file at a time on two cores.
export default defineConfig({
  test: {
    include: ['test/workflow/**/*.test.ts'],
    globalSetup: ['test/workflow/global-setup.ts'],
    pool: 'forks',
    fileParallelism: false,
    testTimeout: 60_000,
    hookTimeout: 300_000,
  },
});
