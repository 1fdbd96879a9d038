import type { Sql } from '../infra/index.js';
import { fromStorable } from '../infra/index.js';

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
    data: fromStorable(r.data),
  }));
}
