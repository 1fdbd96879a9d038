import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createSql, freePort, migrate } from '../infra/index.js';
import { ensureEmbeddedPostgres } from './embedded-postgres.js';
import { ensureTemporalDevServer } from './temporal-dev-server.js';

export interface ScratchServicesOptions {
  /** Prefix of the temporary directory that holds Postgres's data and anything else the caller adds. */
  prefix: string;
  /** A running Postgres to use instead of a new embedded one (migrated here). */
  databaseUrl?: string;
  /** The database name of a new embedded Postgres. */
  database: string;
  cliPath?: string;
  /** Serve the Temporal Web UI on a free port. */
  ui?: boolean;
  /** Extra `KEY=VALUE` dynamic config for the dev server. */
  dynamicConfig?: string[];
}

export interface ScratchServices {
  dir: string;
  databaseUrl: string;
  temporalAddress: string;
  temporalUiUrl?: string;
  /** Stops what was started here, in reverse order, and removes `dir`. */
  stop(): Promise<void>;
}

/**
 * Throw-away services on free ports for the test suite and the benchmarks: an embedded Postgres
 * (unless `databaseUrl` is given), migrated, and an in-memory Temporal dev server.
 */
export async function startScratchServices(o: ScratchServicesOptions): Promise<ScratchServices> {
  const dir = mkdtempSync(path.join(os.tmpdir(), `${o.prefix}-`));
  // As root, embedded Postgres runs as the postgres user, which must reach its data directory.
  chmodSync(dir, 0o755);
  const stops: (() => Promise<void>)[] = [];
  const stop = async () => {
    for (const s of stops.reverse()) await s().catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    let databaseUrl = o.databaseUrl;
    if (!databaseUrl) {
      databaseUrl = `postgres://tempoflow:tempoflow@127.0.0.1:${await freePort()}/${o.database}`;
      stops.push((await ensureEmbeddedPostgres(databaseUrl, path.join(dir, 'postgres'))).stop);
    }
    const sql = createSql(databaseUrl, { max: 1 });
    await migrate(sql).finally(() => sql.end());

    const temporalAddress = `127.0.0.1:${await freePort()}`;
    const uiPort = o.ui ? await freePort() : undefined;
    const temporal = await ensureTemporalDevServer({
      address: temporalAddress,
      uiPort,
      namespace: 'default',
      cliPath: o.cliPath,
      dynamicConfig: o.dynamicConfig,
    });
    stops.push(temporal.stop);
    return {
      dir,
      databaseUrl,
      temporalAddress,
      temporalUiUrl: uiPort ? `http://127.0.0.1:${uiPort}` : undefined,
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}
