import { ApplicationFailure } from '@temporalio/activity';
import type { Sql } from '../lib/index.js';

export const MISSING_SECRET = 'MissingSecret';

/**
 * Values of the named secrets: `SECRET_<NAME>` from the environment first, then the secrets table.
 * Only activities call this; the values never return to the workflow.
 */
export async function loadSecrets(sql: Sql, names: string[], env: NodeJS.ProcessEnv): Promise<Map<string, string>> {
  const values = new Map<string, string>();
  const missing: string[] = [];
  for (const name of new Set(names)) {
    const fromEnv = env[`SECRET_${name}`];
    if (fromEnv !== undefined) values.set(name, fromEnv);
    else missing.push(name);
  }
  if (missing.length > 0) {
    const rows = await sql<
      { name: string; value: string }[]
    >`SELECT name, value FROM secrets WHERE name = ANY(${missing})`;
    for (const row of rows) values.set(row.name, row.value);
  }
  const unknown = [...new Set(names)].filter((n) => !values.has(n));
  if (unknown.length > 0) {
    throw ApplicationFailure.nonRetryable(
      `secret ${unknown.map((n) => `"${n}"`).join(', ')} is not set (env SECRET_${unknown[0]} or the secrets store)`,
      MISSING_SECRET,
    );
  }
  return values;
}

/** Replaces every occurrence of a secret value in strings inside `value` (masking, as CI systems do). */
export function maskSecrets<T>(value: T, secrets: Iterable<string>): T {
  const list = [...secrets].filter((s) => s.length >= 4).sort((a, b) => b.length - a.length);
  if (list.length === 0) return value;
  const mask = (v: unknown): unknown => {
    if (typeof v === 'string') return list.reduce((s, secret) => s.split(secret).join('[secret]'), v);
    if (Array.isArray(v)) return v.map(mask);
    if (v && typeof v === 'object')
      return Object.fromEntries(Object.entries(v).map(([k, x]) => [mask(k) as string, mask(x)]));
    return v;
  };
  return mask(value) as T;
}
