/**
 * `npm run bench [-- --quick] [-- --only=fanout-200,chain-50]`: Tempoflow against a hand-written
 * Temporal workflow with the same activities and against a plain in-process executor, side by side
 * in one process, on one dev server and one worker. Writes bench/results.json and prints a table.
 * Scenarios are data (bench/scenarios/); this file only selects, runs and reports them.
 */
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { findTemporalCli } from '../dev/temporal-dev-server.js';
import { startBench } from './harness.js';
import type { Row } from './scenario.js';
import { SCENARIOS } from './scenarios/index.js';
import { round } from './stats.js';
import { formatTable } from './table.js';

const RESULTS = fileURLToPath(new URL('./results.json', import.meta.url));
const log = (line: string) => process.stderr.write(`${line}\n`);

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { quick: { type: 'boolean' }, only: { type: 'string' } }, strict: false });
  const quick = values.quick === true;
  const only = typeof values.only === 'string' ? values.only.split(',') : undefined;
  const unknown = only?.filter((name) => !SCENARIOS.some((s) => s.name === name));
  if (unknown?.length)
    throw new Error(`unknown scenario ${unknown.join(', ')}; known: ${SCENARIOS.map((s) => s.name).join(', ')}`);
  const selected = SCENARIOS.filter((s) => !only || only.includes(s.name));
  const cli = findTemporalCli(process.env.TEMPORAL_CLI_PATH);
  const { bench, stop } = await startBench({
    quick,
    maxCachedWorkflows: Number(process.env.WORKER_MAX_CACHED_WORKFLOWS ?? 500),
    cliPath: cli,
    log,
  });
  const results: Record<string, unknown> = {};
  const rows: Row[] = [];
  try {
    for (const scenario of selected) {
      const produced = await scenario.run(bench);
      for (const [key, value] of Object.entries(produced)) log(`${key}: ${JSON.stringify(value)}`);
      Object.assign(results, produced);
      rows.push(...scenario.rows(produced));
    }
  } finally {
    await stop();
  }
  // A partial run (--only) prints its table but keeps the last full results.json.
  if (!only) {
    const machine = {
      cores: os.cpus().length,
      cpu: os.cpus()[0]?.model,
      memoryGiB: round(os.totalmem() / 2 ** 30),
      node: process.version,
      temporalCli: cli ? execFileSync(cli, ['--version'], { encoding: 'utf8' }).trim() : 'downloaded',
      platform: `${os.platform()} ${os.release()}`,
    };
    const doc = { date: new Date().toISOString(), mode: quick ? 'quick' : 'full', machine, scenarios: results };
    writeFileSync(RESULTS, `${JSON.stringify(doc, null, 2)}\n`);
  }
  process.stdout.write(`${formatTable(rows)}\n`);
}

main().catch((err: unknown) => {
  log(`bench failed: ${(err as Error).stack ?? String(err)}`);
  process.exitCode = 1;
});
