import { createHash } from 'node:crypto';
import { isBlobRef, type BlobRef } from '../flow/index.js';
import { fromStorable, toStorable } from '../infra/index.js';
import type { Sql } from '../infra/index.js';

export class BlobMissingError extends Error {
  override name = 'BlobMissingError';
}

/** Stores a value above `threshold` bytes of JSON in Postgres and returns a reference; smaller values pass through. */
export async function storeIfLarge(sql: Sql, runId: string, value: unknown, threshold: number): Promise<unknown> {
  if (value === undefined) return null;
  const text = JSON.stringify(value);
  if (text === undefined || Buffer.byteLength(text) <= threshold) return value;
  const id = createHash('sha256').update(runId).update('\u0000').update(text).digest('hex').slice(0, 40);
  const size = Buffer.byteLength(text);
  await sql`INSERT INTO blobs (id, run_id, size, data) VALUES (${id}, ${runId}, ${size}, ${sql.json(toStorable(value) as never)}) ON CONFLICT (id) DO NOTHING`;
  return { $tempoflowBlob: id, size } satisfies BlobRef;
}

export async function loadBlob(sql: Sql, ref: BlobRef): Promise<unknown> {
  const [row] = await sql<{ data: unknown }[]>`SELECT data FROM blobs WHERE id = ${ref.$tempoflowBlob}`;
  if (!row) throw new BlobMissingError(`stored value ${ref.$tempoflowBlob} is missing`);
  return fromStorable(row.data);
}

/** Replaces every blob reference inside a value by the stored value. */
export async function derefDeep(sql: Sql, value: unknown): Promise<unknown> {
  if (isBlobRef(value)) return loadBlob(sql, value);
  if (Array.isArray(value)) return Promise.all(value.map((v) => derefDeep(sql, v)));
  if (value && typeof value === 'object') {
    const entries = await Promise.all(
      Object.entries(value).map(async ([k, v]) => [k, await derefDeep(sql, v)] as const),
    );
    return Object.fromEntries(entries);
  }
  return value;
}
