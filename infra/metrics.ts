import { createServer, type Server } from 'node:http';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { Sql } from './sql.js';

/**
 * Prometheus metrics, one registry per role: `apiMetrics` (served by the API on GET /metrics) and
 * `workerMetrics` (served on WORKER_METRICS_PORT next to the Temporal SDK's own worker metrics).
 * Each process serves only its role's registry. README "Operating Tempoflow" documents each series.
 */
export const apiRegistry = new Registry();
export const workerRegistry = new Registry();

const DURATION_BUCKETS = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 3600];
const LATENCY_BUCKETS = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

const counter = <L extends string>(registry: Registry, name: string, help: string, labelNames: readonly L[]) =>
  new Counter<L>({ name, help, labelNames, registers: [registry] });
const histogram = <L extends string>(
  registry: Registry,
  name: string,
  help: string,
  labelNames: readonly L[],
  buckets: number[],
) => new Histogram<L>({ name, help, labelNames, buckets, registers: [registry] });
const FROM_POSTGRES = 'read from Postgres: every replica counts every run';

export const apiMetrics = {
  runsStarted: counter(
    apiRegistry,
    'tempoflow_runs_started_total',
    `Runs started since this API process started, by flow and origin (api, cli, webhook, rerun, schedule, subflow; ${FROM_POSTGRES}).`,
    ['flow', 'origin'],
  ),
  runsCompleted: counter(
    apiRegistry,
    'tempoflow_runs_completed_total',
    `Runs that completed since this API process started, by flow (${FROM_POSTGRES}).`,
    ['flow'],
  ),
  runsFailed: counter(
    apiRegistry,
    'tempoflow_runs_failed_total',
    `Runs that failed since this API process started, by flow (${FROM_POSTGRES}).`,
    ['flow'],
  ),
  runsCancelled: counter(
    apiRegistry,
    'tempoflow_runs_cancelled_total',
    'Runs that were cancelled since this API process started, by flow (read from Postgres).',
    ['flow'],
  ),
  runDuration: histogram(
    apiRegistry,
    'tempoflow_run_duration_seconds',
    'Start to close of each run that closed since this API process started, by flow and final status.',
    ['flow', 'status'],
    DURATION_BUCKETS,
  ),
  sseClients: new Gauge({
    name: 'tempoflow_sse_clients',
    help: 'Event streams (GET /api/v1/runs/:runId/events) open on this API process.',
    registers: [apiRegistry],
  }),
  eventLag: histogram(
    apiRegistry,
    'tempoflow_event_lag_seconds',
    'From an event being written (its ts) to this API process sending it on a live stream.',
    [],
    LATENCY_BUCKETS,
  ),
  httpDuration: histogram(
    apiRegistry,
    'tempoflow_http_request_duration_seconds',
    'HTTP request latency by method, route template and status (event streams: until they end).',
    ['method', 'route', 'status'],
    LATENCY_BUCKETS,
  ),
};

export const workerMetrics = {
  nodeAttempts: counter(
    workerRegistry,
    'tempoflow_node_attempts_total',
    'Node activity attempts by node type and outcome (completed, retrying, failed, cancelled).',
    ['type', 'outcome'],
  ),
  nodeDuration: histogram(
    workerRegistry,
    'tempoflow_node_duration_seconds',
    'Duration of node activity attempts by node type and outcome.',
    ['type', 'outcome'],
    DURATION_BUCKETS,
  ),
  earlyEvents: counter(
    workerRegistry,
    'tempoflow_early_events_total',
    'Events a workflow drafted that the worker stored early, before their carrier activity or local activity did (outcome stored), or failed to (outcome failed: the run writes them itself).',
    ['outcome'],
  ),
};

export type NodeOutcome = 'completed' | 'retrying' | 'failed' | 'cancelled';

/** Records one node attempt (activities/index.ts calls it once per attempt). */
export function recordNodeAttempt(type: string, outcome: NodeOutcome, startedAtMs: number): void {
  workerMetrics.nodeAttempts.inc({ type, outcome });
  workerMetrics.nodeDuration.observe({ type, outcome }, (Date.now() - startedAtMs) / 1000);
}

let processMetrics = false;
/** Node.js process metrics (CPU, memory, event loop lag) with the `tempoflow_process_` prefix, once per process. */
export function collectProcessMetrics(registry: Registry): void {
  if (processMetrics) return;
  processMetrics = true;
  collectDefaultMetrics({ register: registry, prefix: 'tempoflow_' });
}

/**
 * Counts runs from Postgres at each scrape: the rows created, and the rows closed, since the last
 * scrape (with an overlap, since a transaction's `now()` can commit late), each counted once. Every
 * API replica reads the same table, so each reports every run of the cluster: aggregate with max().
 */
export function watchRuns(sql: Sql): () => Promise<void> {
  const started = tail<{ flow_name: string; origin: string }>(sql, 'created_at', (r) =>
    apiMetrics.runsStarted.inc({ flow: r.flow_name, origin: r.origin }),
  );
  const closed = tail<{ flow_name: string; status: string; seconds: number }>(sql, 'closed_at', (r) => {
    const counter = {
      completed: apiMetrics.runsCompleted,
      failed: apiMetrics.runsFailed,
      cancelled: apiMetrics.runsCancelled,
    }[r.status];
    counter?.inc({ flow: r.flow_name });
    apiMetrics.runDuration.observe({ flow: r.flow_name, status: r.status }, Math.max(0, r.seconds));
  });
  return async () => {
    await started();
    await closed();
  };
}

function tail<Row>(sql: Sql, column: 'created_at' | 'closed_at', count: (row: Row) => void): () => Promise<void> {
  const OVERLAP_MS = 60_000;
  let since: number | undefined;
  let cursor = 0;
  const seen = new Map<string, number>();
  return async () => {
    // The database's clock, not this machine's: rows carry the database's now().
    if (since === undefined) {
      const [{ now }] = await sql<{ now: Date }[]>`SELECT now() AS now`;
      since = cursor = now.getTime();
    }
    const from = new Date(Math.max(since, cursor - OVERLAP_MS));
    const rows = await sql<({ run_id: string; at: Date } & Row)[]>`
      SELECT run_id, flow_name, origin, status, ${sql(column)} AS at,
             EXTRACT(EPOCH FROM closed_at - created_at)::float8 AS seconds
      FROM runs WHERE ${sql(column)} >= ${from} ORDER BY ${sql(column)} LIMIT 10000`;
    for (const r of rows) {
      if (seen.has(r.run_id)) continue;
      seen.set(r.run_id, r.at.getTime());
      count(r);
      cursor = Math.max(cursor, r.at.getTime());
    }
    for (const [id, at] of seen) if (at < cursor - OVERLAP_MS) seen.delete(id);
  };
}

/** Prometheus text of a registry, plus (when given) the text another exporter serves, as one scrape. */
export async function exposition(registry: Registry, alsoFrom?: string): Promise<string> {
  const own = await registry.metrics();
  if (!alsoFrom) return own;
  try {
    const res = await fetch(alsoFrom, { signal: AbortSignal.timeout(2000) });
    return `${own}\n${await res.text()}`;
  } catch {
    return own;
  }
}

/**
 * Serves GET /metrics for a worker: its registry and the Temporal SDK's Prometheus endpoint
 * (`sdkMetricsUrl`, bound to loopback by Runtime.install) in one answer.
 */
export async function serveWorkerMetrics(port: number, host: string, sdkMetricsUrl?: string): Promise<Server> {
  const server = createServer((req, res) => {
    if (req.method !== 'GET' || req.url?.split('?')[0] !== '/metrics') {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('GET /metrics\n');
      return;
    }
    exposition(workerRegistry, sdkMetricsUrl).then(
      // One connection per scrape: a kept-alive socket the server times out races the next scrape (ECONNRESET).
      (body) => res.writeHead(200, { 'content-type': workerRegistry.contentType, connection: 'close' }).end(body),
      (err: Error) => res.writeHead(500, { 'content-type': 'text/plain' }).end(`${err.message}\n`),
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  return server;
}
