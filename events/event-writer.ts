import type { EventDraft, RunState } from '../flow/index.js';
import { isTransientDbError, type Sql } from '../infra/index.js';
import { closeRunRow, insertRunRow } from '../runs/run-rows.js';
import { EVENTS_CHANNEL } from './event-log.js';
import { toStorable } from '../infra/index.js';

interface Request {
  runId: string;
  drafts: EventDraft[];
  final?: RunState;
  resolve: () => void;
  reject: (err: unknown) => void;
}

/**
 * Group commit for the event log. Every append in this process joins the next transaction of its
 * partition (runs are hashed to partitions, so one run's events stay in order); a transaction
 * locks the head rows of all its runs in sorted order, numbers the new events in commit order,
 * inserts them in one statement and NOTIFYs each run once. Under load hundreds of appends share
 * a transaction instead of queueing on one run's row lock; idle, an append commits at once.
 *
 * Values `jsonb` cannot hold (NUL, lone surrogates) are stored as JSON text (see toStorable). If a
 * batch is refused for any reason other than Postgres being away, each append in it is written on
 * its own, so one bad append fails alone and the other runs' events are stored.
 */
export class EventWriter {
  private readonly partitions: { queue: Request[]; busy: boolean }[];

  constructor(
    private readonly sql: Sql,
    partitions = 4,
    private readonly maxBatch = 500,
  ) {
    this.partitions = Array.from({ length: partitions }, () => ({ queue: [], busy: false }));
  }

  append(runId: string, drafts: EventDraft[], final?: RunState): Promise<void> {
    if (drafts.length === 0 && !final) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const p = this.partitions[hash(runId) % this.partitions.length];
      p.queue.push({ runId, drafts, final, resolve, reject });
      void this.drain(p);
    });
  }

  private async drain(p: { queue: Request[]; busy: boolean }): Promise<void> {
    if (p.busy) return;
    p.busy = true;
    try {
      while (p.queue.length > 0) {
        const batch = p.queue.splice(0, this.maxBatch);
        try {
          await writeBatch(this.sql, batch);
          for (const r of batch) r.resolve();
        } catch (err) {
          if (batch.length === 1 || isTransientDbError(err)) {
            for (const r of batch) r.reject(err);
            continue;
          }
          for (const r of batch) {
            await writeBatch(this.sql, [r]).then(r.resolve, r.reject);
          }
        }
      }
    } finally {
      p.busy = false;
    }
  }
}

async function writeBatch(sql: Sql, batch: Request[]): Promise<void> {
  const byRun = new Map<string, { drafts: EventDraft[]; final?: RunState }>();
  for (const r of batch) {
    const entry = byRun.get(r.runId) ?? { drafts: [] };
    entry.drafts.push(...r.drafts);
    if (r.final) entry.final = r.final;
    byRun.set(r.runId, entry);
  }
  const runIds = [...byRun.keys()].filter((id) => byRun.get(id)!.drafts.length > 0).sort();
  // run.started events written by this transaction (not ones already stored: a run's first events
  // ride many node activities, and only the first write may create its runs row).
  const starts: { runId: string; d: EventDraft }[] = [];
  await sql.begin(async (tx) => {
    // What follows the lock is sent at once (one round trip, not one each) and runs in the order
    // it is executed here: the events, their heads and NOTIFY, then the runs rows.
    const writes: PromiseLike<unknown>[] = [];
    if (runIds.length > 0) {
      // One statement locks every head row, in sorted order (no deadlock between writers).
      // Pipelined: the keys already stored are read right after the lock, in the same round trip.
      const allKeys = runIds.flatMap((id) => byRun.get(id)!.drafts.map((d) => d.key));
      const [heads, stored] = await Promise.all([
        tx<{ run_id: string; last_seq: bigint }[]>`
          INSERT INTO run_event_heads (run_id) SELECT unnest(${runIds}::text[])
          ON CONFLICT (run_id) DO UPDATE SET last_seq = run_event_heads.last_seq
          RETURNING run_id, last_seq`,
        tx<{ run_id: string; dedupe_key: string }[]>`
          SELECT run_id, dedupe_key FROM run_events WHERE run_id = ANY(${runIds}::text[]) AND dedupe_key = ANY(${allKeys}::text[])`,
      ]);
      const last = new Map(heads.map((h) => [h.run_id, Number(h.last_seq)]));
      const existing = new Set(stored.map((r) => `${r.run_id}\u0000${r.dedupe_key}`));
      const rows: Record<string, unknown>[] = [];
      const notify: string[] = [];
      const newHeads: { run_id: string; last_seq: number }[] = [];
      for (const runId of runIds) {
        let seq = last.get(runId)!;
        const seen = new Set<string>();
        for (const d of byRun.get(runId)!.drafts) {
          const key = `${runId}\u0000${d.key}`;
          if (existing.has(key) || seen.has(key)) continue;
          seen.add(key);
          if (d.type === 'run.started') starts.push({ runId, d });
          seq += 1;
          rows.push({
            run_id: runId,
            seq,
            type: d.type,
            node_id: d.nodeId ?? null,
            attempt: d.attempt ?? null,
            dedupe_key: d.key,
            ts: d.ts,
            data: toStorable({
              runId,
              type: d.type,
              ts: d.ts,
              ...(d.nodeId ? { nodeId: d.nodeId } : {}),
              ...(d.attempt ? { attempt: d.attempt } : {}),
              ...(d.data ?? {}),
            }),
          });
        }
        if (seq !== last.get(runId)) {
          newHeads.push({ run_id: runId, last_seq: seq });
          notify.push(`${runId}:${seq}`);
        }
      }
      if (rows.length > 0)
        writes.push(
          tx`
            INSERT INTO run_events (run_id, seq, type, node_id, attempt, dedupe_key, ts, data)
            SELECT * FROM jsonb_to_recordset(${tx.json(rows as never)}::jsonb)
              AS r(run_id text, seq bigint, type text, node_id text, attempt integer, dedupe_key text, ts timestamptz, data jsonb)`.execute(),
          tx`
            UPDATE run_event_heads h SET last_seq = v.last_seq
            FROM jsonb_to_recordset(${tx.json(newHeads as never)}::jsonb) AS v(run_id text, last_seq bigint)
            WHERE h.run_id = v.run_id`.execute(),
          tx`SELECT pg_notify(${EVENTS_CHANNEL}, p) FROM unnest(${notify}::text[]) AS p`.execute(),
        );
    }
    // A run's first event gives it a row, also when no API started it (schedules, sub-flows).
    for (const { runId, d } of starts) {
      const s = (d.data ?? {}) as {
        flowId?: string;
        flowName?: string;
        flowVersion?: number;
        origin?: string;
        workflowId?: string;
      };
      if (!s.flowId || !s.flowName || !s.flowVersion) continue;
      writes.push(
        insertRunRow(tx, {
          runId,
          workflowId: s.workflowId,
          flowId: s.flowId,
          flowName: s.flowName,
          flowVersion: s.flowVersion,
          origin: s.origin ?? 'api',
        }),
      );
    }
    for (const [runId, { final }] of byRun) if (final) writes.push(closeRunRow(tx, runId, final));
    await Promise.all(writes);
  });
}

function hash(text: string): number {
  let h = 2166136261;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 16777619);
  return h >>> 0;
}
