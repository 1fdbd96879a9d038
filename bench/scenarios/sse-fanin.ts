import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { EVENTS_CHANNEL, createSseParser } from '../../events/index.js';
import { freePort } from '../../infra/index.js';
import { slowDiamond } from '../flows.js';
import type { Bench } from '../harness.js';
import type { Scenario } from '../scenario.js';
import { pct, round } from '../stats.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const FLOW = slowDiamond('bench-sse-fanin', 1500, 300);
const PER_RUN = 5;
const ACTIVITY_NODES = new Set(FLOW.nodes.filter((n) => n.type === 'echo').map((n) => n.id));

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

/** `npm run api` as its own process on the bench's services, so its memory is its own. */
interface ApiProcess {
  base: string;
  child: ChildProcess;
  /** VmRSS in MiB, from /proc (undefined where there is none). */
  rss(): number | undefined;
  stop(): Promise<void>;
}

async function startApi(bench: Bench): Promise<ApiProcess> {
  const port = await freePort();
  const child = spawn(process.execPath, ['--import', 'tsx', 'api/main.ts'], {
    cwd: ROOT,
    env: {
      ...process.env,
      DATABASE_URL: bench.services.databaseUrl,
      TEMPORAL_ADDRESS: bench.services.temporalAddress,
      TEMPORAL_TASK_QUEUE: bench.services.taskQueue,
      HOST: '127.0.0.1',
      PORT: String(port),
      API_KEYS: '',
      LOG_LEVEL: 'warn',
      LOG_FORMAT: 'json',
      RATE_LIMIT_PER_MINUTE: '1000000',
      // Every client comes from 127.0.0.1 here; in use they would come from many addresses or keys.
      SSE_MAX_STREAMS_PER_KEY: '100000',
      SSE_MAX_STREAMS: '100000',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let log = '';
  child.stdout!.on('data', (d) => (log += d));
  child.stderr!.on('data', (d) => (log += d));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const base = `http://127.0.0.1:${port}`;
  const api: ApiProcess = {
    base,
    child,
    rss() {
      try {
        const kb = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'))?.[1];
        return kb ? round(Number(kb) / 1024) : undefined;
      } catch {
        return undefined;
      }
    },
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
  for (let i = 0; ; i++) {
    if (child.exitCode !== null) throw new Error(`sse-fanin: the API exited (${child.exitCode}): ${log}`);
    const ok = await fetch(`${base}/healthz`).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) return api;
    if (i > 600) {
      await api.stop();
      throw new Error(`sse-fanin: the API did not answer /healthz within 60 s: ${log}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
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

/** tempoflow_event_lag_seconds of the API (ts → written to a live stream): count, sum, buckets. */
async function eventLag(base: string): Promise<{ count: number; sum: number; buckets: [number, number][] }> {
  const text = await (await fetch(`${base}/metrics`)).text();
  const value = (name: string) => Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(text)?.[1] ?? 0);
  const buckets = [...text.matchAll(/^tempoflow_event_lag_seconds_bucket\{le="([^"]+)"\} (\S+)$/gm)].map(
    (m) => [m[1] === '+Inf' ? Infinity : Number(m[1]), Number(m[2])] as [number, number],
  );
  return {
    count: value('tempoflow_event_lag_seconds_count'),
    sum: value('tempoflow_event_lag_seconds_sum'),
    buckets,
  };
}

const summary = (xs: number[]) =>
  xs.length === 0 ? { n: 0 } : { n: xs.length, p50Ms: pct(xs, 50), p99Ms: pct(xs, 99), maxMs: round(Math.max(...xs)) };

/**
 * 500 SSE clients (5 per run) watching 100 runs of a seven-node flow whose events flow for a few
 * seconds, against an API in its own process (`npm run api`, on the bench's Postgres and Temporal;
 * the worker stays in the bench process). Reports live delivery latency (event `ts` → receipt by
 * the client, for events written after the client connected) and the API's RSS before the clients
 * connect, with all of them connected, at its peak and after they are gone. The split: a LISTEN
 * in the bench process notes when each event was committed (its NOTIFY), so `ts → stored` and
 * `stored → client` are shown apart, by event type, and by path (an activity node's node.started
 * is written by its activity; the other events go through the workflow first). `--quick`: 50
 * clients on 10 runs, and like every scenario it fails on errors (a refused stream, a gap, a stream
 * that ends before run.completed), never on timings.
 */
export const sseFanin: Scenario = {
  name: 'sse-fanin',
  async run(bench) {
    const runs = bench.quick ? 10 : 100;
    const clients = runs * PER_RUN;
    await bench.store(FLOW);
    const api = await startApi(bench);
    const notified = new Map<string, [number, number][]>();
    const { unlisten } = await bench.sql.listen(EVENTS_CHANNEL, (payload) => {
      const colon = payload.lastIndexOf(':');
      const runId = payload.slice(0, colon);
      const list = notified.get(runId) ?? [];
      list.push([Number(payload.slice(colon + 1)), Date.now()]);
      notified.set(runId, list);
    });
    const loop = monitorEventLoopDelay({ resolution: 10 });
    const rssMb: Record<string, number | undefined> = {};
    let peak = 0;
    let sampler: NodeJS.Timeout | undefined;
    const receipts: Receipt[] = [];
    try {
      // Warm the routes the clients use (first requests load code), then the baseline.
      await fetch(`${api.base}/api/v1/runs?limit=1`).then((r) => r.text());
      await new Promise((r) => setTimeout(r, 1000));
      rssMb.idle = api.rss();
      sampler = setInterval(() => (peak = Math.max(peak, api.rss() ?? 0)), 100);
      const lagBefore = await eventLag(api.base);
      bench.log(`sse-fanin: ${clients} clients on ${runs} runs, API pid ${api.child.pid} (RSS ${rssMb.idle} MiB)`);
      loop.enable();
      let open = 0;
      const t0 = Date.now();
      const watchers: Promise<void>[] = [];
      await Promise.all(
        Array.from({ length: runs }, async () => {
          const res = await fetch(`${api.base}/api/v1/flows/${FLOW.name}/runs`, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: '{"inputs":{}}',
          });
          const run = (await res.json()) as { runId: string };
          if (res.status !== 201 && res.status !== 202 && res.status !== 200)
            throw new Error(`sse-fanin: starting a run: ${res.status} ${JSON.stringify(run)}`);
          for (let c = 0; c < PER_RUN; c++) {
            const watcher = watch(api.base, run.runId, receipts, () => {
              if (++open === clients) rssMb.connected = api.rss();
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
      const lagAfter = await eventLag(api.base);
      rssMb.end = api.rss();
      if (rssMb.idle !== undefined) rssMb.peak = Math.max(peak, rssMb.idle, rssMb.connected ?? 0, rssMb.end ?? 0);

      const live = receipts.filter((r) => r.ts >= r.connectedAt);
      if (live.length === 0) throw new Error('sse-fanin: no event was written after its client connected');
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
      const byActivity = (r: Receipt) => r.type === 'node.started' && ACTIVITY_NODES.has(r.nodeId ?? '');
      const byPath = {
        writtenByItsActivity: split(withStore.filter(byActivity)),
        throughTheWorkflow: split(withStore.filter((r) => !byActivity(r))),
      };
      const lagCount = lagAfter.count - lagBefore.count;
      const apiP99 = lagAfter.buckets.find(([, n], i) => n - (lagBefore.buckets[i]?.[1] ?? 0) >= 0.99 * lagCount)?.[0];
      const latency = live.map((r) => r.at - r.ts);
      return {
        'sse-fanin': {
          runs,
          clients,
          nodesPerRun: FLOW.nodes.length,
          wallMs,
          events: receipts.length,
          liveEvents: live.length,
          p50Ms: pct(latency, 50),
          p99Ms: pct(latency, 99),
          maxMs: round(Math.max(...latency)),
          split: {
            tsToStored: summary(withStore.map((r) => storedAt(r)! - r.ts)),
            storedToClient: summary(withStore.map((r) => r.at - storedAt(r)!)),
            byPath,
            byType,
            apiTsToSocket: {
              n: lagCount,
              meanMs: lagCount ? round(((lagAfter.sum - lagBefore.sum) / lagCount) * 1000) : undefined,
              p99AtMostMs: apiP99 === undefined ? undefined : apiP99 * 1000,
            },
            benchEventLoopDelayP99Ms: round(loop.percentile(99) / 1e6),
          },
          apiRssMb: rssMb,
          apiKbPerClient:
            rssMb.connected !== undefined && rssMb.idle !== undefined
              ? round(((rssMb.connected - rssMb.idle) * 1024) / clients)
              : undefined,
          note: 'API in its own process (npm run api); clients, worker, Postgres and Temporal on the same machine. Latency: event ts → client receipt, for events written after the client connected; stored = the NOTIFY a LISTEN in the bench process received',
        },
      };
    } finally {
      clearInterval(sampler);
      loop.disable();
      await unlisten().catch(() => undefined);
      await api.stop();
    }
  },
  rows: (s) => {
    const f = s['sse-fanin'];
    const r = f.apiRssMb;
    return [
      [
        `sse-fanin (${f.clients} clients, ${f.runs} runs)`,
        `p50 ${f.p50Ms} ms, p99 ${f.p99Ms} ms, max ${f.maxMs} ms (stored → client p99 ${f.split.storedToClient.p99Ms} ms);` +
          (r.idle === undefined
            ? ' API RSS not measured (no /proc)'
            : ` API RSS ${r.idle} → ${r.connected} (all open) → peak ${r.peak} MiB`),
        '',
        '',
        '',
      ],
    ];
  },
};
