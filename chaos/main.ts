/**
 * `npm run chaos [-- --short] [-- --only=crash,postgres]`: separate `api` and `worker` processes on
 * their own Postgres and Temporal dev server (file database), driven through the public API while
 * faults are injected. Writes chaos/results.json (full runs) and prints a table.
 */
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { fatal } from '../infra/index.js';
import { runChaos, type ScenarioResult } from './runner.js';

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { short: { type: 'boolean' }, only: { type: 'string' } }, strict: false });
  const short = values.short === true;
  const only = typeof values.only === 'string' ? values.only.split(',') : undefined;
  const started = Date.now();
  const results = await runChaos({
    profile: short ? 'short' : 'full',
    only,
    log: (line) => process.stderr.write(`${line}\n`),
  });
  process.stdout.write(`${table(results)}\n`);
  if (!short && !only) {
    const file = fileURLToPath(new URL('./results.json', import.meta.url));
    writeFileSync(
      file,
      `${JSON.stringify({ date: new Date().toISOString(), seconds: Math.round((Date.now() - started) / 1000), results, workerStartupMs: (results as { workerStartupMs?: number[] }).workerStartupMs, workerStartupCpuMs: (results as { workerStartupCpuMs?: number[] }).workerStartupCpuMs, loadAverage: (results as { loadAverage?: number }).loadAverage }, null, 2)}\n`,
    );
  }
  const bad = results.filter((r) => r.completed + r.failed < r.started || r.streamGaps || r.streamDuplicates);
  if (bad.length) process.exitCode = 1;
}

export function table(results: ScenarioResult[]): string {
  const rows = results.map(
    (r) =>
      `| ${r.name} | ${r.started} | ${r.completed} | ${r.failed}${r.stuck ? ` (+${r.stuck} stuck)` : ''} | ${r.nodeExecutions} | ${r.completedReexecuted} | ${r.workerLostRetries} | ${r.httpRepeats} | ${r.streamGaps}/${r.streamDuplicates} | ${r.crashes} | ${r.recoverSeconds.toFixed(1)} s |`,
  );
  return [
    '| fault | runs started | completed | failed | node executions | completed nodes executed again | worker-lost retries | http repeats | stream gaps/dups | process crashes | time to recover |',
    '|---|---|---|---|---|---|---|---|---|---|---|',
    ...rows,
  ].join('\n');
}

main().catch(fatal);
