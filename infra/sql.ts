import postgres from 'postgres';
import { readdir, readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

export type Sql = postgres.Sql;
/** A connection pool or an open transaction: what a statement helper runs on. */
export type Db = postgres.Sql | postgres.TransactionSql;

const MIGRATIONS_DIR = fileURLToPath(new URL('../db/migrations/', import.meta.url));

export function createSql(url: string, options: { max?: number; applicationName?: string } = {}): Sql {
  return postgres(url, {
    connection: { application_name: options.applicationName ?? 'tempoflow' },
    max: options.max ?? 10,
    onnotice: () => {},
    connect_timeout: 10,
    types: { bigint: postgres.BigInt },
    transform: { undefined: null },
  });
}

export class DatabaseUnavailableError extends Error {
  override name = 'DatabaseUnavailableError';
}

/** Fails with one sentence when Postgres does not answer. */
export async function checkDatabase(sql: Sql, url: string): Promise<void> {
  try {
    await sql`SELECT 1`;
  } catch (cause) {
    const where = safeUrl(url);
    throw new DatabaseUnavailableError(
      `Postgres at ${where} does not answer (${(cause as Error).message}); start it or fix DATABASE_URL.`,
      { cause },
    );
  }
}

export function safeUrl(url: string): string {
  try {
    const u = new URL(url);
    u.password = u.password ? '***' : '';
    return u.toString();
  } catch {
    return '(unparseable DATABASE_URL)';
  }
}

/**
 * Applies db/migrations/NNNNN_*.sql that are not yet recorded, in one transaction under an advisory
 * lock, so concurrent starters (API, worker, migrate) serialise and starting twice is harmless.
 */
export async function migrate(sql: Sql, dir = MIGRATIONS_DIR): Promise<string[]> {
  const files = (await readdir(dir)).filter((f) => /^\d{5}_.+\.sql$/.test(f)).sort();
  return sql.begin(async (tx) => {
    await tx`SELECT pg_advisory_xact_lock(727001)`;
    await tx`CREATE TABLE IF NOT EXISTS schema_migrations (
      id integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())`;
    const done = new Set((await tx<{ id: number }[]>`SELECT id FROM schema_migrations`).map((r) => r.id));
    const applied: string[] = [];
    for (const file of files) {
      const id = Number(file.slice(0, 5));
      if (done.has(id)) continue;
      await tx.unsafe(await readFile(path.join(dir, file), 'utf8'));
      await tx`INSERT INTO schema_migrations (id, name) VALUES (${id}, ${file})`;
      applied.push(file);
    }
    return applied;
  });
}
