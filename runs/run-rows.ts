import { workflowIdOf, type RunState } from '../flow/index.js';
import { fromStorable, toStorable } from '../infra/index.js';
import type { Db, Sql } from '../infra/index.js';

/** A run's row in `runs`: one per run, created when it starts, its final state stored when it closes. */
export interface RunRow {
  workflow_id: string;
  flow_id: string;
  flow_name: string;
  flow_version: number;
  status: string;
  origin: string;
  /** The final state (closed runs only). */
  state: RunState | null;
}

export interface RunStart {
  runId: string;
  flowId: string;
  flowName: string;
  flowVersion: number;
  origin: string;
  /** Default `run-<runId>`; a schedule's runs carry the id Temporal made. */
  workflowId?: string;
}

/** The row of a run that started; a row that exists already is left as it is. */
export async function insertRunRow(db: Db, r: RunStart): Promise<void> {
  await db`
    INSERT INTO runs (run_id, workflow_id, flow_id, flow_name, flow_version, status, origin)
    VALUES (${r.runId}, ${r.workflowId ?? workflowIdOf(r.runId)}, ${r.flowId}, ${r.flowName}, ${r.flowVersion}, 'running', ${r.origin})
    ON CONFLICT (run_id) DO NOTHING`;
}

/** Stores a closed run's final status and state (creating the row when its start was never stored). */
export async function closeRunRow(db: Db, runId: string, final: RunState): Promise<void> {
  await db`
    INSERT INTO runs (run_id, workflow_id, flow_id, flow_name, flow_version, status, state, closed_at)
    VALUES (${runId}, ${workflowIdOf(runId)}, ${final.flowId}, ${final.flowName}, ${final.flowVersion}, ${final.status}, ${db.json(toStorable(final) as never)}, now())
    ON CONFLICT (run_id) DO UPDATE SET status = EXCLUDED.status, state = EXCLUDED.state, closed_at = now()`;
}

export async function readRunRow(sql: Sql, runId: string): Promise<RunRow | undefined> {
  const [row] = await sql<RunRow[]>`
    SELECT workflow_id, flow_id, flow_name, flow_version, status, origin, state FROM runs WHERE run_id = ${runId}`;
  return row && { ...row, state: fromStorable<RunState | null>(row.state) };
}

/**
 * Forgets what Postgres holds of runs and of their sub-flows (`<runId>.<node>…`: events, blobs,
 * rows), in `tx`. Retention prunes closed runs with it; a reused idempotency key, a forgotten run.
 */
export async function deleteRunsData(tx: Db, ids: string[]): Promise<void> {
  const patterns = ids.map((id) => `${id.replace(/[\\%_]/g, (c) => `\\${c}`)}.%`);
  const owned = (column: string) =>
    tx`(${tx(column)} = ANY(${ids}::text[]) OR ${tx(column)} LIKE ANY(${patterns}::text[]))`;
  await tx`DELETE FROM run_events WHERE ${owned('run_id')}`;
  await tx`DELETE FROM run_event_heads WHERE ${owned('run_id')}`;
  await tx`DELETE FROM blobs WHERE ${owned('run_id')}`;
  await tx`DELETE FROM runs WHERE run_id = ANY(${ids}::text[])`;
}

/** Forgets one run (see deleteRunsData): an idempotency key reused after Temporal forgot the run starts clean. */
export function deleteRunData(tx: Db, runId: string): Promise<void> {
  return deleteRunsData(tx, [runId]);
}

/** True when Postgres holds anything of the run (its row or its events). */
export async function runIsKnown(sql: Sql, runId: string): Promise<boolean> {
  const [known] = await sql`
    SELECT 1 FROM runs WHERE run_id = ${runId} UNION ALL SELECT 1 FROM run_event_heads WHERE run_id = ${runId} LIMIT 1`;
  return Boolean(known);
}
