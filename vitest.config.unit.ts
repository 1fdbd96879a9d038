import { defineConfig } from 'vitest/config';

// TEMPOFLOW_CANARY=1 runs only the deliberately failing canary (test/canary/guard.ts requires it to fail).
export default defineConfig({
  test: {
    include: process.env.TEMPOFLOW_CANARY ? ['test/canary/*.test.ts'] : ['test/unit/**/*.test.ts'],
    pool: 'forks',
    testTimeout: 60_000,
  },
});
