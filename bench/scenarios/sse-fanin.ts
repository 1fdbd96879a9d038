import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { startApi } from '../api-process.js';
import { slowDiamond } from '../flows.js';
import type { Scenario } from '../scenario.js';
import type { ClientsJob, ClientsMessage } from '../sse-clients.js';
import { round } from '../stats.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const FLOW = slowDiamond('bench-sse-fanin', 1500, 300);
const PER_RUN = 5;
const ACTIVITY_NODES = FLOW.nodes.filter((n) => n.type === 'echo').map((n) => n.id);

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

/** Forks bench/sse-clients.ts with `job`; `onConnected` once every stream is open; resolves with its figures. */
function runClientsProcess(job: ClientsJob, onConnected: () => void): Promise<Record<string, any>> {
  const child = fork(fileURLToPath(new URL('../sse-clients.ts', import.meta.url)), [], {
    cwd: ROOT,
    execArgv: ['--import', 'tsx'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  return new Promise((resolve, reject) => {
    let settled = false;
    child.on('message', (m: ClientsMessage) => {
      if (m.kind === 'connected') onConnected();
      else if (m.kind === 'done') resolve(m.result);
      else reject(new Error(`sse-fanin clients: ${m.message}`));
      if (m.kind !== 'connected') settled = true;
    });
    child.once('error', reject);
    child.once('exit', (code) => {
      if (!settled) reject(new Error(`sse-fanin clients exited (${code}) without a result`));
    });
    child.send(job);
  });
}

/**
 * 500 SSE clients (5 per run) watching 100 runs of a seven-node flow whose events flow for a few
 * seconds. The API runs in its own process (`npm run api`, on the bench's Postgres and Temporal),
 * and so do the clients (bench/sse-clients.ts); the worker stays in the bench process. Reports
 * live delivery latency (event `ts` → receipt by the client, for events written after the client
 * connected) and the API's RSS before the clients connect, with all of them connected, at its
 * peak and after they are gone. The split: a LISTEN beside the clients notes when each event was
 * committed (its NOTIFY), so `ts → stored` and `stored → client` are shown apart, by event type
 * and by path (an activity node's node.started is written by its activity; the other events go
 * through the workflow first). `--quick`: 50 clients on 10 runs; like every scenario it fails on
 * errors (a refused stream, a gap, a stream that ends before run.completed), never on timings.
 */
export const sseFanin: Scenario = {
  name: 'sse-fanin',
  async run(bench) {
    const runs = bench.quick ? 10 : 100;
    const clients = runs * PER_RUN;
    await bench.store(FLOW);
    const api = await startApi(bench, 'sse-fanin');
    const rssMb: Record<string, number | undefined> = {};
    let peak = 0;
    let sampler: NodeJS.Timeout | undefined;
    try {
      // Warm the routes the clients use (first requests load code), then the baseline.
      await fetch(`${api.base}/api/v1/runs?limit=1`).then((r) => r.text());
      await new Promise((r) => setTimeout(r, 1000));
      rssMb.idle = api.rss();
      sampler = setInterval(() => (peak = Math.max(peak, api.rss() ?? 0)), 100);
      const lagBefore = await eventLag(api.base);
      bench.log(`sse-fanin: ${clients} clients on ${runs} runs, API pid ${api.child.pid} (RSS ${rssMb.idle} MiB)`);
      const job: ClientsJob = {
        base: api.base,
        databaseUrl: bench.services.databaseUrl,
        flowName: FLOW.name,
        runs,
        perRun: PER_RUN,
        activityNodes: ACTIVITY_NODES,
      };
      const seen = await runClientsProcess(job, () => (rssMb.connected = api.rss()));
      const lagAfter = await eventLag(api.base);
      rssMb.end = api.rss();
      if (rssMb.idle !== undefined) rssMb.peak = Math.max(peak, rssMb.idle, rssMb.connected ?? 0, rssMb.end ?? 0);
      const lagCount = lagAfter.count - lagBefore.count;
      const apiP99 = lagAfter.buckets.find(([, n], i) => n - (lagBefore.buckets[i]?.[1] ?? 0) >= 0.99 * lagCount)?.[0];
      return {
        'sse-fanin': {
          runs,
          clients,
          nodesPerRun: FLOW.nodes.length,
          ...seen,
          split: {
            ...seen.split,
            apiTsToSocket: {
              n: lagCount,
              meanMs: lagCount ? round(((lagAfter.sum - lagBefore.sum) / lagCount) * 1000) : undefined,
              p99AtMostMs: apiP99 === undefined ? undefined : apiP99 * 1000,
            },
          },
          apiRssMb: rssMb,
          apiKbPerClient:
            rssMb.connected !== undefined && rssMb.idle !== undefined
              ? round(((rssMb.connected - rssMb.idle) * 1024) / clients)
              : undefined,
          note: 'API (npm run api) and the clients each in a process of their own; worker, Postgres and Temporal on the same machine. Latency: event ts → client receipt, for events written after the client connected; stored = when a LISTEN in the clients process got its NOTIFY',
        },
      };
    } finally {
      clearInterval(sampler);
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
