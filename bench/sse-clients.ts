/**
 * The SSE clients of the sse-fanin scenario, in a process of their own (forked by
 * bench/scenarios/sse-fanin.ts) so that their receipt times are not delayed by the worker that
 * shares the bench process: starts the runs through the API, opens the streams, notes when each
 * event was committed (a LISTEN on the event channel) and when each frame arrived, and sends back
 * the latency split. Talks to its parent over the IPC channel only.
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { EVENTS_CHANNEL, createSseParser } from '../events/index.js';
import { createSql } from '../infra/index.js';
import { pct, round } from './stats.js';

export interface ClientsJob {
  base: string;
  databaseUrl: string;
  flowName: string;
  runs: number;
  perRun: number;
  /** Ids of the flow's activity nodes (their node.started is written by the activity itself). */
  activityNodes: string[];
}

export type ClientsMessage =
  { kind: 'connected' } | { kind: 'done'; result: Record<string, unknown> } | { kind: 'failed'; message: string };

/** One frame a client received: which event, its `ts`, when it arrived, when its client had connected. */
interface Receipt {
  runId: string;
  seq: number;
  type: string;
  nodeId?: string;
  ts: number;
  at: number;
  connectedAt: number;
}

/** Reads one run's stream to its end; throws unless it is a gapless 1…n ending in run.completed. */
async function watch(base: string, runId: string, into: Receipt[], onOpen: () => void): Promise<void> {
  const res = await fetch(`${base}/api/v1/runs/${runId}/events`);
  if (res.status !== 200) throw new Error(`GET /api/v1/runs/${runId}/events: ${res.status} ${await res.text()}`);
  const connectedAt = Date.now();
  onOpen();
  const decoder = new TextDecoder();
  const parse = createSseParser();
  let last = 0;
  let lastType = '';
  for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
    const at = Date.now();
    for (const frame of parse(decoder.decode(chunk, { stream: true }))) {
      if (!frame.data) continue;
      const seq = Number(frame.id);
      if (seq !== last + 1) throw new Error(`run ${runId}: event ${seq} followed ${last} on one stream`);
      last = seq;
      lastType = frame.event ?? '';
      const data = JSON.parse(frame.data) as { ts: string; nodeId?: string };
      into.push({ runId, seq, type: lastType, nodeId: data.nodeId, ts: Date.parse(data.ts), at, connectedAt });
    }
  }
  if (lastType !== 'run.completed') throw new Error(`run ${runId}: its stream ended after "${lastType || 'nothing'}"`);
}

const summary = (xs: number[]) =>
  xs.length === 0 ? { n: 0 } : { n: xs.length, p50Ms: pct(xs, 50), p99Ms: pct(xs, 99), maxMs: round(Math.max(...xs)) };

/** Starts `runs` runs, watches each with `perRun` streams to their end, and returns the figures. */
export async function runClients(job: ClientsJob, onConnected: () => void): Promise<Record<string, unknown>> {
  const sql = createSql(job.databaseUrl, { max: 1 });
  const notified = new Map<string, [number, number][]>();
  const loop = monitorEventLoopDelay({ resolution: 10 });
  try {
    const { unlisten } = await sql.listen(EVENTS_CHANNEL, (payload) => {
      const colon = payload.lastIndexOf(':');
      const runId = payload.slice(0, colon);
      const list = notified.get(runId) ?? [];
      list.push([Number(payload.slice(colon + 1)), Date.now()]);
      notified.set(runId, list);
    });
    const receipts: Receipt[] = [];
    const clients = job.runs * job.perRun;
    let open = 0;
    loop.enable();
    const t0 = Date.now();
    const watchers: Promise<void>[] = [];
    await Promise.all(
      Array.from({ length: job.runs }, async () => {
        const res = await fetch(`${job.base}/api/v1/flows/${job.flowName}/runs`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: '{"inputs":{}}',
        });
        const run = (await res.json()) as { runId: string };
        if (res.status >= 300) throw new Error(`starting a run: ${res.status} ${JSON.stringify(run)}`);
        for (let c = 0; c < job.perRun; c++) {
          const watcher = watch(job.base, run.runId, receipts, () => {
            if (++open === clients) onConnected();
          });
          // Awaited below; this only keeps a failure while runs are still starting from going unhandled.
          watcher.catch(() => undefined);
          watchers.push(watcher);
        }
      }),
    );
    await Promise.all(watchers);
    const wallMs = Date.now() - t0;
    loop.disable();
    await unlisten();

    const live = receipts.filter((r) => r.ts >= r.connectedAt);
    if (live.length === 0) throw new Error('no event was written after its client connected');
    const storedAt = (r: Receipt) => notified.get(r.runId)?.find(([seq]) => seq >= r.seq)?.[1];
    const withStore = live.filter((r) => storedAt(r) !== undefined);
    const split = (of: Receipt[]) => ({
      total: summary(of.map((r) => r.at - r.ts)),
      tsToStored: summary(of.map((r) => storedAt(r)! - r.ts)),
      storedToClient: summary(of.map((r) => r.at - storedAt(r)!)),
    });
    const byType: Record<string, unknown> = {};
    for (const type of [...new Set(withStore.map((r) => r.type))].sort())
      byType[type] = split(withStore.filter((r) => r.type === type));
    // An activity node's node.started is written by its activity at once; every other event
    // (node.completed rides the activity's result, pure nodes' and the run's own events are
    // drafted by the workflow) waits for the workflow to hand it to an activity or a local one.
    const activity = new Set(job.activityNodes);
    const byActivity = (r: Receipt) => r.type === 'node.started' && activity.has(r.nodeId ?? '');
    const latency = live.map((r) => r.at - r.ts);
    return {
      wallMs,
      events: receipts.length,
      liveEvents: live.length,
      p50Ms: pct(latency, 50),
      p99Ms: pct(latency, 99),
      maxMs: round(Math.max(...latency)),
      split: {
        tsToStored: summary(withStore.map((r) => storedAt(r)! - r.ts)),
        storedToClient: summary(withStore.map((r) => r.at - storedAt(r)!)),
        byPath: {
          writtenByItsActivity: split(withStore.filter(byActivity)),
          throughTheWorkflow: split(withStore.filter((r) => !byActivity(r))),
        },
        byType,
        clientEventLoopDelayP99Ms: round(loop.percentile(99) / 1e6),
      },
    };
  } finally {
    loop.disable();
    await sql.end({ timeout: 2 });
  }
}

// Forked by the scenario: one job in, its messages out, then exit.
if (process.send && process.argv[1] === fileURLToPath(import.meta.url)) {
  // The scenario gone (its process ended), or this job done: nothing left to do here.
  process.once('disconnect', () => process.exit(0));
  const send = (m: ClientsMessage) => new Promise<void>((resolve) => process.send!(m, () => resolve()));
  process.once('message', (job: ClientsJob) => {
    runClients(job, () => void send({ kind: 'connected' }))
      .then(
        (result) => send({ kind: 'done', result }),
        (err: unknown) => send({ kind: 'failed', message: (err as Error).stack ?? String(err) }),
      )
      .finally(() => process.disconnect());
  });
}
