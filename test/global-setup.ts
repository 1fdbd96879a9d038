import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ensureEmbeddedPostgres } from '../lib/embedded-postgres.js';
import { freePort, createSql, migrate, ensureTemporalDevServer } from '../lib/index.js';
import { bundleWorkflows } from '../worker/index.js';
import { ensurePrerequisites } from './helpers/prerequisites.js';

/**
 * Starts one Postgres (embedded unless TEST_DATABASE_URL is set) and one Temporal dev server for
 * the whole suite, and bundles the workflow code once. Test files read them from the environment.
 */
export default async function setup(): Promise<() => Promise<void>> {
  await ensurePrerequisites();
  const dir = mkdtempSync(path.join(os.tmpdir(), 'tempoflow-test-'));
  // As root, embedded Postgres runs as the postgres user, which must reach its data directory.
  chmodSync(dir, 0o755);
  const stops: (() => Promise<void>)[] = [];
  let databaseUrl = process.env.TEST_DATABASE_URL;
  if (!databaseUrl) {
    databaseUrl = `postgres://tempoflow:tempoflow@127.0.0.1:${await freePort()}/tempoflow_test`;
    const pg = await ensureEmbeddedPostgres(databaseUrl, path.join(dir, 'postgres'));
    stops.push(pg.stop);
  }
  const sql = createSql(databaseUrl, { max: 1 });
  await migrate(sql);
  await sql.end();

  const address = `127.0.0.1:${await freePort()}`;
  const uiPort = await freePort();
  const temporal = await ensureTemporalDevServer({
    address,
    uiPort,
    namespace: 'default',
    cliPath: process.env.TEMPORAL_CLI_PATH,
    // One partition per task queue, so priority order is observable.
    dynamicConfig: ['matching.numTaskqueueReadPartitions=1', 'matching.numTaskqueueWritePartitions=1'],
  });
  stops.push(temporal.stop);

  const bundlePath = path.join(dir, 'workflow-bundle.js');
  writeFileSync(bundlePath, (await bundleWorkflows()).code);

  process.env.TEST_DATABASE_URL_RESOLVED = databaseUrl;
  process.env.TEST_TEMPORAL_ADDRESS = address;
  process.env.TEST_TEMPORAL_UI_URL = `http://127.0.0.1:${uiPort}`;
  process.env.TEST_WORKFLOW_BUNDLE = bundlePath;
  return async () => {
    for (const stop of stops.reverse()) await stop().catch(() => {});
    rmSync(dir, { recursive: true, force: true });
  };
}
