import { defineConfig } from 'vitest/config';

// Workflow tests: the real workflow code on the SDK's time-skipping test server, with stub
// activities (test/workflow/). Each file starts its own server; one file at a time on two cores.
// TEMPOFLOW_CANARY=1 runs only the deliberately failing canary (test/canary/guard.ts requires it to fail).
export default defineConfig({
  test: {
    include: process.env.TEMPOFLOW_CANARY ? ['test/canary/*.test.ts'] : ['test/workflow/**/*.test.ts'],
    globalSetup: ['test/workflow/global-setup.ts'],
    pool: 'forks',
    fileParallelism: false,
    testTimeout: 60_000,
    hookTimeout: 300_000,
  },
});
