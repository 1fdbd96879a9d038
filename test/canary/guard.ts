/**
 * Proves the suite can fail before it is trusted to pass: runs the deliberately failing canary under
 * each vitest config (the integration one with its global setup: embedded Postgres, the Temporal dev
 * server, the workflow bundle) and exits non-zero unless every run exited non-zero.
 *
 * `npm test` runs this first; so does `.ci/run` through `npm test`.
 */
import { spawnSync } from 'node:child_process';

const CONFIGS = ['vitest.config.unit.ts', 'vitest.config.workflow.ts', 'vitest.config.integration.ts'];

let broken = 0;
for (const config of CONFIGS) {
  const run = spawnSync('npx', ['vitest', 'run', '--config', config, '--reporter=dot'], {
    env: { ...process.env, TEMPOFLOW_CANARY: '1' },
    encoding: 'utf8',
  });
  const failedAsExpected = run.status !== 0 && /fails on purpose/.test(run.stdout + run.stderr);
  if (failedAsExpected) {
    console.log(`test guard: a failing test fails ${config} (exit ${run.status})`);
  } else {
    broken += 1;
    console.error(
      `test guard: the canary under ${config} exited ${run.status} without reporting its failure; the suite cannot be trusted:\n${run.stdout}\n${run.stderr}`,
    );
  }
}
process.exitCode = broken > 0 ? 1 : 0;
