import type { Logger, Sql } from '../infra/index.js';
import { deleteRunsData } from './run-rows.js';

/** Any fixed number: the advisory lock that lets one API process prune at a time. */
const RETENTION_LOCK = 7_361_001;
const DAY_MS = 86_400_000;

export interface Retention {
  stop(): Promise<void>;
}

/**
 * Deletes what runs closed more than `days` ago left in Postgres: their events, event heads, blobs
 * (also those of their sub-flows and loop items, whose run ids extend theirs) and the run rows.
 * Returns how many runs it pruned.
 */
export async function pruneClosedRuns(sql: Sql, days: number, batch = 500): Promise<number> {
  return sql.begin(async (tx) => {
    const [{ locked }] = await tx<{ locked: boolean }[]>`SELECT pg_try_advisory_xact_lock(${RETENTION_LOCK}) AS locked`;
    if (!locked) return 0;
    const runs = await tx<{ run_id: string }[]>`
      SELECT run_id FROM runs
      WHERE closed_at IS NOT NULL AND closed_at < now() - make_interval(days => ${days})
      ORDER BY closed_at LIMIT ${batch}`;
    if (runs.length === 0) return 0;
    const ids = runs.map((r) => r.run_id);
    await deleteRunsData(tx, ids);
    return ids.length;
  });
}

/**
 * Prunes every `intervalMs` (default hourly) when `days` > 0. Several API processes may run it:
 * the advisory lock lets one of them work at a time, and each pass is a bounded batch.
 */
export function startRetention(sql: Sql, logger: Logger, days: number, intervalMs = 3_600_000): Retention {
  if (!(days > 0)) return { stop: async () => {} };
  let running: Promise<void> = Promise.resolve();
  let stopped = false;
  const pass = async () => {
    try {
      let pruned = 0;
      for (let n = -1; n !== 0 && !stopped;) pruned += n = await pruneClosedRuns(sql, days);
      if (pruned) logger.info({ pruned, olderThanDays: days }, 'retention: pruned closed runs');
    } catch (err) {
      logger.warn({ err }, 'retention pass failed; the next one retries');
    }
  };
  const tick = () => {
    running = running.then(pass);
  };
  const timer = setInterval(tick, Math.min(intervalMs, DAY_MS));
  timer.unref();
  tick();
  return {
    async stop() {
      stopped = true;
      clearInterval(timer);
      await running;
    },
  };
}
