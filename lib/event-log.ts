import type { EventDraft, RunState } from '../flow/index.js';
import type { Sql } from './sql.js';

export const EVENTS_CHANNEL = 'tempoflow_events';

export interface StoredEvent {
  runId: string;
  seq: number;
  type: string;
  nodeId: string | null;
  attempt: number | null;
  ts: string;
  data: Record<string, unknown>;
}

/**
 * Appends events to a run's log. The run's head row is locked for the transaction, so numbers are
 * handed out in commit order: once a reader has seen n, no event numbered below n can appear.
 * Drafts whose key is already stored are dropped (writers retry). Wakes listeners with NOTIFY.
 */
export async function appendEvents(sql: Sql, runId: string, drafts: EventDraft[], final?: RunState): Promise<number> {
  return sql.begin(async (tx) => {
    let lastSeq = 0;
    if (drafts.length > 0) {
      const [head] = await tx<{ last_seq: bigint }[]>`
        INSERT INTO run_event_heads (run_id) VALUES (${runId})
        ON CONFLICT (run_id) DO UPDATE SET last_seq = run_event_heads.last_seq
        RETURNING last_seq`;
      lastSeq = Number(head.last_seq);
      const keys = drafts.map((d) => d.key);
      const existing = new Set(
        (
          await tx<
            { dedupe_key: string }[]
          >`SELECT dedupe_key FROM run_events WHERE run_id = ${runId} AND dedupe_key = ANY(${keys})`
        ).map((r) => r.dedupe_key),
      );
      const seen = new Set<string>();
      const fresh = drafts.filter((d) => !existing.has(d.key) && !seen.has(d.key) && seen.add(d.key));
      if (fresh.length > 0) {
        const rows = fresh.map((d, i) => ({
          run_id: runId,
          seq: lastSeq + i + 1,
          type: d.type,
          node_id: d.nodeId ?? null,
          attempt: d.attempt ?? null,
          dedupe_key: d.key,
          data: tx.json({
            runId,
            type: d.type,
            ts: d.ts,
            ...(d.nodeId ? { nodeId: d.nodeId } : {}),
            ...(d.attempt ? { attempt: d.attempt } : {}),
            ...(d.data ?? {}),
          } as never),
          ts: d.ts,
        }));
        await tx`INSERT INTO run_events ${tx(rows)}`;
        lastSeq += fresh.length;
        await tx`UPDATE run_event_heads SET last_seq = ${lastSeq} WHERE run_id = ${runId}`;
        await tx`SELECT pg_notify(${EVENTS_CHANNEL}, ${`${runId}:${lastSeq}`})`;
      }
    }
    if (final) {
      await tx`
        INSERT INTO runs (run_id, workflow_id, flow_id, flow_name, flow_version, status, state, closed_at)
        VALUES (${runId}, ${`run-${runId}`}, ${final.flowId}, ${final.flowName}, ${final.flowVersion}, ${final.status}, ${tx.json(final as never)}, now())
        ON CONFLICT (run_id) DO UPDATE SET status = EXCLUDED.status, state = EXCLUDED.state, closed_at = now()`;
    }
    return lastSeq;
  });
}

export async function readEvents(sql: Sql, runId: string, afterSeq: number, limit = 1000): Promise<StoredEvent[]> {
  const rows = await sql<
    {
      seq: bigint;
      type: string;
      node_id: string | null;
      attempt: number | null;
      ts: Date;
      data: Record<string, unknown>;
    }[]
  >`
    SELECT seq, type, node_id, attempt, ts, data FROM run_events
    WHERE run_id = ${runId} AND seq > ${afterSeq} ORDER BY seq LIMIT ${limit}`;
  return rows.map((r) => ({
    runId,
    seq: Number(r.seq),
    type: r.type,
    nodeId: r.node_id,
    attempt: r.attempt,
    ts: r.ts.toISOString(),
    data: r.data,
  }));
}
