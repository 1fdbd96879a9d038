import { workflowIdOf, type RunState } from '../flow/index.js';
import { fromStorable, toStorable } from '../events/storable.js';
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
 * Forgets what Postgres holds of a run and of its sub-flows (events, blobs, the row), in `tx`:
 * an idempotency key reused after Temporal forgot the run starts clean.
 */
export async function deleteRunData(tx: Db, runId: string): Promise<void> {
  const children = `${runId}.%`;
  await tx`DELETE FROM run_events WHERE run_id = ${runId} OR run_id LIKE ${children}`;
  await tx`DELETE FROM run_event_heads WHERE run_id = ${runId} OR run_id LIKE ${children}`;
  await tx`DELETE FROM blobs WHERE run_id = ${runId} OR run_id LIKE ${children}`;
  await tx`DELETE FROM runs WHERE run_id = ${runId}`;
}

/** True when Postgres holds anything of the run (its row or its events). */
export async function runIsKnown(sql: Sql, runId: string): Promise<boolean> {
  const [known] = await sql`
    SELECT 1 FROM runs WHERE run_id = ${runId} UNION ALL SELECT 1 FROM run_event_heads WHERE run_id = ${runId} LIMIT 1`;
  return Boolean(known);
}
