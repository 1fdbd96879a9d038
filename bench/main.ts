/**
 * `npm run bench [-- --quick]`: Tempoflow against a hand-written Temporal workflow with the same
 * activities and against a plain in-process executor, side by side in one process, on one dev
 * server and one worker. Writes bench/results.json and prints a table.
 */
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Server } from 'node:http';
import { randomUUID } from 'node:crypto';
import { NativeConnection, Runtime, bundleWorkflowCode, makeTelemetryFilterString } from '@temporalio/worker';
import { pino } from 'pino';
import { createApp } from '../api/index.js';
import type { GraphDef } from '../flow/index.js';
import { ensureEmbeddedPostgres } from '../lib/embedded-postgres.js';
import {
  createSseParser,
  freePort,
  createSql,
  migrate,
  connectClient,
  ensureTemporalDevServer,
  findTemporalCli,
} from '../lib/index.js';
import { createWorker } from '../worker/index.js';
import { runInProcess } from './inprocess.js';
import { benchWeb } from './web.js';
import { echoLoopNode } from '../test/fixtures/flows.js';
import { historySizes } from '../test/helpers/histories.js';

const quick = process.argv.includes('--quick');
const only = process.argv
  .find((a) => a.startsWith('--only='))
  ?.slice('--only='.length)
  .split(',');
/** `--only=fanout-200,chain-50` runs just those scenarios. */
const want = (scenario: string) => !only || only.includes(scenario);
const TRIALS = quick ? 3 : 7;
/** The worker's workflow cache (WORKER_MAX_CACHED_WORKFLOWS, as for `npm run worker`). */
const CACHE = Number(process.env.WORKER_MAX_CACHED_WORKFLOWS ?? 500);
const RESULTS = fileURLToPath(new URL('./results.json', import.meta.url));
const log = (s: string) => process.stderr.write(`${s}\n`);

type Stats = { min: number; median: number; max: number };
const stats = (xs: number[]): Stats => {
  const s = [...xs].sort((a, b) => a - b);
  return { min: round(s[0]), median: round(s[Math.floor(s.length / 2)]), max: round(s[s.length - 1]) };
};
const round = (x: number, d = 1) => Math.round(x * 10 ** d) / 10 ** d;
const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return round(s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]);
};
const time = async (fn: () => Promise<unknown>) => {
  const t = performance.now();
  await fn();
  return performance.now() - t;
};

function fanout(name: string, n: number, durationMs = 0) {
  const ids = Array.from({ length: n }, (_, i) => `n${i}`);
  return {
    name,
    nodes: [
      { id: 'in', type: 'input' },
      ...ids.map((id, i) => ({ id, type: 'echo', params: { value: i, durationMs } })),
      { id: 'join', type: 'echo', params: { value: n } },
    ],
    edges: ids.flatMap((id) => [
      { source: 'in', target: id },
      { source: id, target: 'join' },
    ]),
  };
}

function chain(name: string, n: number) {
  const ids = Array.from({ length: n }, (_, i) => `c${i}`);
  return {
    name,
    nodes: ids.map((id) => ({ id, type: 'echo', params: { value: 1 } })),
    edges: ids.slice(1).map((id, i) => ({ source: ids[i], target: id })),
  };
}

const fiveNodes = {
  name: 'bench-five',
  nodes: [
    { id: 'in', type: 'input' },
    { id: 'a', type: 'echo', params: { value: '{{in.n}}' } },
    { id: 'b', type: 'echo', params: { value: 'b' } },
    { id: 'c', type: 'echo', params: { value: 'c' } },
    { id: 'out', type: 'output', params: { value: '{{b}}{{c}}' } },
  ],
  edges: [
    { source: 'in', target: 'a' },
    { source: 'a', target: 'b' },
    { source: 'a', target: 'c' },
    { source: 'b', target: 'out' },
    { source: 'c', target: 'out' },
  ],
};

async function main(): Promise<void> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'tempoflow-bench-'));
  chmodSync(dir, 0o755);
  const stops: (() => Promise<void>)[] = [];
  try {
    const databaseUrl =
      process.env.BENCH_DATABASE_URL ?? `postgres://tempoflow:tempoflow@127.0.0.1:${await freePort()}/tempoflow_bench`;
    if (!process.env.BENCH_DATABASE_URL)
      stops.push((await ensureEmbeddedPostgres(databaseUrl, path.join(dir, 'pg'))).stop);
    const address = `127.0.0.1:${await freePort()}`;
    const cli = findTemporalCli(process.env.TEMPORAL_CLI_PATH);
    stops.push((await ensureTemporalDevServer({ address, namespace: 'default', cliPath: cli })).stop);
    Runtime.install({
      logger: {
        log() {},
        trace() {},
        debug() {},
        info() {},
        warn: (m: string, a?: unknown) => log(`worker: ${m} ${JSON.stringify(a ?? {})}`),
        error: (m: string, a?: unknown) => log(`worker: ${m} ${JSON.stringify(a ?? {})}`),
      } as never,
      telemetryOptions: { logging: { filter: makeTelemetryFilterString({ core: 'WARN' }) } },
    });

    const sql = createSql(databaseUrl, { max: 40 });
    await migrate(sql);
    const taskQueue = 'bench';
    const bundle = await bundleWorkflowCode({
      workflowsPath: fileURLToPath(new URL('./workflows.ts', import.meta.url)),
      logger: { log() {}, trace() {}, debug() {}, info() {}, warn() {}, error() {} },
    });
    const nativeConnection = await NativeConnection.connect({ address });
    const logger = pino({ level: 'silent' });
    const worker = await createWorker({
      connection: nativeConnection,
      namespace: 'default',
      taskQueue,
      deps: { sql, logger, httpAllowHosts: [], blobThresholdBytes: 256 * 1024 },
      workflowBundle: bundle,
      shutdownGraceTime: '5s',
      maxCachedWorkflows: CACHE,
    });
    const running = worker.run();
    stops.push(async () => {
      worker.shutdown();
      await running;
      await nativeConnection.close();
    });
    const { client, connection } = await connectClient(address, 'default');
    const app = await createApp({
      sql,
      client,
      logger,
      taskQueue,
      namespace: 'default',
      temporalUiUrl: 'http://localhost:8233',
      apiKeys: [],
      rateLimitPerMinute: 1_000_000,
      bodyLimit: '10mb',
    });
    const server: Server = await new Promise((resolve) => {
      const s = app.app.listen(0, '127.0.0.1', () => resolve(s));
    });
    stops.push(async () => {
      server.close();
      await app.close();
      server.closeAllConnections();
      await connection.close();
      await sql.end({ timeout: 2 });
    });
    const base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
    const post = async (p: string, body: unknown) => {
      const res = await fetch(`${base}${p}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      const json = (await res.json()) as any;
      if (res.status >= 400) throw new Error(`${p}: ${res.status} ${JSON.stringify(json)}`);
      return json;
    };
    const store = (def: object) => post('/api/v1/flows', def);
    const runTempo = async (flow: string, inputs: object = {}) => {
      let run = await post(`/api/v1/flows/${flow}/runs?wait=300`, { inputs });
      while (run.status === 'running' || run.status === 'waiting')
        run = await (await fetch(`${base}/api/v1/runs/${run.runId}`)).json();
      if (run.status !== 'completed') throw new Error(`${flow}: ${run.status} ${JSON.stringify(run.error)}`);
      return run;
    };
    const hand = (type: string, args: unknown[]) =>
      client.workflow.execute(type, { taskQueue, workflowId: `hand-${randomUUID()}`, args });

    const scenarios: Record<string, unknown> = {};
    const compare = async (
      name: string,
      tempo: () => Promise<unknown>,
      handwritten: () => Promise<unknown>,
      inprocess: () => Promise<unknown>,
    ) => {
      if (!want(name)) return;
      log(`${name}: warming up`);
      await tempo();
      await handwritten();
      await inprocess();
      const t: number[] = [];
      const h: number[] = [];
      const p: number[] = [];
      for (let i = 0; i < TRIALS; i++) {
        t.push(await time(tempo));
        h.push(await time(handwritten));
        p.push(await time(inprocess));
      }
      const result = {
        tempoflowMs: stats(t),
        handwrittenMs: stats(h),
        inprocessMs: stats(p),
        ratioVsHandwritten: round(stats(t).median / stats(h).median, 2),
        trials: TRIALS,
      };
      scenarios[name] = result;
      log(`${name}: ${JSON.stringify(result)}`);
    };

    // fan-out and chain
    const fan = fanout('bench-fanout-200', 200);
    await store(fan);
    await compare(
      'fanout-200',
      () => runTempo(fan.name),
      () => hand('handFanout', ['bench', 200]),
      () => runInProcess(fan as GraphDef, {}),
    );
    const ch = chain('bench-chain-50', 50);
    await store(ch);
    await compare(
      'chain-50',
      () => runTempo(ch.name),
      () => hand('handChain', ['bench', 50]),
      () => runInProcess(ch as GraphDef, {}),
    );

    // wide and slow
    if (want('wide-slow-100')) {
      const wide = fanout('bench-wide-slow-100', 100, 500);
      await store(wide);
      await runTempo(wide.name);
      await hand('handFanout', ['bench', 100, 500]);
      const makespans: number[] = [];
      const handMakespans: number[] = [];
      for (let i = 0; i < TRIALS; i++) {
        makespans.push(await time(() => runTempo(wide.name)));
        handMakespans.push(await time(() => hand('handFanout', ['bench', 100, 500])));
      }
      scenarios['wide-slow-100'] = {
        makespanMs: stats(makespans),
        criticalPathMs: 500,
        efficiency: round(500 / stats(makespans).median, 3),
        handwrittenMakespanMs: stats(handMakespans),
        handwrittenEfficiency: round(500 / stats(handMakespans).median, 3),
      };
      log(`wide-slow-100: ${JSON.stringify(scenarios['wide-slow-100'])}`);
    }
    // throughput + SSE latency
    if (want('throughput') || want('sse-latency')) {
      await store(fiveNodes);
      const RUNS = 300;
      log('throughput: 300 runs through the API');
      const latencies: number[] = [];
      const sse: number[] = [];
      const watchers: Promise<void>[] = [];
      const t0 = performance.now();
      await Promise.all(
        Array.from({ length: RUNS }, async (_, i) => {
          const started = performance.now();
          const run = await post(`/api/v1/flows/${fiveNodes.name}/runs`, { inputs: { n: i } });
          if (i % 10 === 0) watchers.push(watch(base, run.runId, sse));
          await client.workflow.getHandle(run.workflowId).result();
          latencies.push(performance.now() - started);
        }),
      );
      const tempoWall = performance.now() - t0;
      await Promise.all(watchers);
      const h0 = performance.now();
      await Promise.all(Array.from({ length: RUNS }, () => hand('handFanout', ['bench', 2])));
      const handWall = performance.now() - h0;
      const runsPerSec = RUNS / (tempoWall / 1000);
      const handwrittenRunsPerSec = RUNS / (handWall / 1000);
      scenarios.throughput = {
        runs: RUNS,
        runsPerSec: round(runsPerSec),
        nodesPerSec: round(runsPerSec * 5),
        handwrittenRunsPerSec: round(handwrittenRunsPerSec),
        ratioVsHandwritten: round(handwrittenRunsPerSec / runsPerSec, 2),
        p50LatencyMs: pct(latencies, 50),
        p99LatencyMs: pct(latencies, 99),
      };
      const idle: number[] = [];
      for (let i = 0; i < 20; i++) {
        const run = await post(`/api/v1/flows/${fiveNodes.name}/runs`, { inputs: { n: i } });
        await watch(base, run.runId, idle);
      }
      scenarios['sse-latency'] = {
        events: sse.length,
        p50Ms: pct(sse, 50),
        p99Ms: pct(sse, 99),
        maxMs: round(Math.max(...sse)),
        idle: { events: idle.length, p50Ms: pct(idle, 50), p99Ms: pct(idle, 99) },
        note: 'under load: during throughput, with the bench client, API, worker, Postgres and Temporal sharing the machine; idle: one run at a time',
      };
      log(`throughput: ${JSON.stringify(scenarios.throughput)}`);
      log(`sse-latency: ${JSON.stringify(scenarios['sse-latency'])}`);
    }
    // loop over 10,000 items
    if (want('loop-10000')) {
      const items = Array.from({ length: 10_000 }, (_, i) => i);
      await store({
        name: 'bench-loop',
        nodes: [{ id: 'in', type: 'input' }, echoLoopNode('each', 'in.items', 50)],
        edges: [{ source: 'in', target: 'each' }],
      });
      log('loop-10000');
      let loopRun: any;
      const loopMs = await time(async () => (loopRun = await runTempo('bench-loop', { items })));
      scenarios['loop-10000'] = {
        items: items.length,
        concurrency: 50,
        ms: round(loopMs),
        maxHistoryEvents: Math.max(...(await historySizes(client, loopRun.workflowId)).values()),
      };
      log(`loop-10000: ${JSON.stringify(scenarios['loop-10000'])}`);
    }
    // 1,000 runs waiting on an approval
    if (want('waiting-1000')) {
      await store({ name: 'bench-wait', nodes: [{ id: 'ok', type: 'approval', params: { timeout: '1h' } }] });
      const WAITING = 1000;
      const rss = () => {
        global.gc?.();
        return round(process.memoryUsage().rss / 2 ** 20);
      };
      const heap = () => round(process.memoryUsage().heapUsed / 2 ** 20);
      const heapAt: Record<string, number> = { 0: heap() };
      const rssAt: Record<string, number> = { 0: rss() };
      const waitingIds: string[] = [];
      for (const step of [250, 500, 1000]) {
        const batch = await Promise.all(
          Array.from({ length: step - waitingIds.length }, () => post('/api/v1/flows/bench-wait/runs', {})),
        );
        waitingIds.push(...batch.map((r: { runId: string }) => r.runId));
        for (let i = 0; ; i++) {
          const [{ n }] =
            await sql`SELECT count(*)::int AS n FROM run_events WHERE type = 'node.waiting' AND run_id = ANY(${waitingIds})`;
          if (n >= waitingIds.length) break;
          if (i > 600) throw new Error(`only ${n} of ${waitingIds.length} runs reached their approval`);
          await new Promise((r) => setTimeout(r, 200));
        }
        rssAt[step] = rss();
        heapAt[step] = heap();
        log(`waiting: ${step} runs, rss ${rssAt[step]} MiB`);
      }
      scenarios['waiting-1000'] = {
        runs: WAITING,
        workerRssMb: rssAt[1000],
        rssMbAt: rssAt,
        heapUsedMbAt: heapAt,
        kbPerWaitingRun: round(((rssAt[1000] - rssAt[0]) * 1024) / WAITING),
        maxCachedWorkflows: CACHE,
        note: 'worker, API and client share this process; runs beyond the worker cache are evicted and replayed on their next task',
      };
      await Promise.all(
        waitingIds.map((id) =>
          client.workflow
            .getHandle(`run-${id}`)
            .terminate('benchmark done')
            .catch(() => undefined),
        ),
      );
    }
    // scaling
    if (want('scaling')) {
      const scaling: Record<string, Stats> = {};
      for (const n of [10, 100, 1000]) {
        const def = fanout(`bench-scale-${n}`, n);
        await store(def);
        await runTempo(def.name);
        const xs: number[] = [];
        for (let i = 0; i < (quick ? 1 : 3); i++) xs.push(await time(() => runTempo(def.name)));
        scaling[n] = stats(xs);
        log(`scaling ${n}: ${JSON.stringify(scaling[n])}`);
      }
      scenarios.scaling = { fanoutMakespanMs: scaling, msPerNodeAt1000: round(scaling[1000].median / 1000, 2) };
    }
    if (want('web-200')) scenarios['web-200'] = await benchWeb(base, TRIALS, log);
    const results = {
      date: new Date().toISOString(),
      mode: quick ? 'quick' : 'full',
      machine: {
        cores: os.cpus().length,
        cpu: os.cpus()[0]?.model,
        memoryGiB: round(os.totalmem() / 2 ** 30),
        node: process.version,
        temporalCli: cli ? execFileSync(cli, ['--version'], { encoding: 'utf8' }).trim() : 'downloaded',
        platform: `${os.platform()} ${os.release()}`,
      },
      scenarios,
    };
    // A partial run (--only) prints its table but keeps the last full results.json.
    if (!only) writeFileSync(RESULTS, `${JSON.stringify(results, null, 2)}\n`);
    printTable(results.scenarios as Record<string, any>);
  } catch (err) {
    log(`bench failed: ${(err as Error).stack ?? err}`);
    process.exitCode = 1;
  } finally {
    for (const stop of stops.reverse()) await stop().catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Reads a run's events over SSE, recording publish → receipt latency (same clock). */
async function watch(base: string, runId: string, into: number[]): Promise<void> {
  const res = await fetch(`${base}/api/v1/runs/${runId}/events`);
  const decoder = new TextDecoder();
  const parse = createSseParser();
  for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
    const now = Date.now();
    for (const frame of parse(decoder.decode(chunk, { stream: true })))
      if (frame.data) into.push(now - Date.parse(JSON.parse(frame.data).ts));
  }
}

function printTable(s: Record<string, any>): void {
  const ms = (x?: Stats) => (x ? `${x.median} ms (${x.min}–${x.max})` : '');
  const compared = (name: string) => [
    name,
    ms(s[name].tempoflowMs),
    ms(s[name].handwrittenMs),
    ms(s[name].inprocessMs),
    `${s[name].ratioVsHandwritten}×`,
  ];
  const builders: [string, () => string[]][] = [
    ['fanout-200', () => compared('fanout-200')],
    ['chain-50', () => compared('chain-50')],
    [
      'throughput',
      () => [
        'throughput (300 runs)',
        `${s.throughput.runsPerSec} runs/s, p50 ${s.throughput.p50LatencyMs} ms, p99 ${s.throughput.p99LatencyMs} ms`,
        `${s.throughput.handwrittenRunsPerSec} runs/s`,
        '',
        `${s.throughput.ratioVsHandwritten}×`,
      ],
    ],
    [
      'wide-slow-100',
      () => {
        const w = s['wide-slow-100'];
        return [
          'wide-slow-100',
          `makespan ${ms(w.makespanMs)}, efficiency ${w.efficiency}`,
          `makespan ${ms(w.handwrittenMakespanMs)}, efficiency ${w.handwrittenEfficiency}`,
          '',
          '',
        ];
      },
    ],
    [
      'sse-latency',
      () => {
        const e = s['sse-latency'];
        return [
          'sse-latency',
          `under load p50 ${e.p50Ms} ms, p99 ${e.p99Ms} ms; idle p50 ${e.idle.p50Ms} ms, p99 ${e.idle.p99Ms} ms`,
          '',
          '',
          '',
        ];
      },
    ],
    [
      'loop-10000',
      () => [
        'loop-10000',
        `${s['loop-10000'].ms} ms, max history ${s['loop-10000'].maxHistoryEvents} events`,
        '',
        '',
        '',
      ],
    ],
    [
      'waiting-1000',
      () => [
        'waiting-1000',
        `RSS ${Object.values(s['waiting-1000'].rssMbAt).join(' / ')} MiB at 0/250/500/1000 runs`,
        '',
        '',
        '',
      ],
    ],
    [
      'scaling',
      () => [
        'scaling (fan-out 10/100/1000)',
        `${Object.values(s.scaling.fanoutMakespanMs as Record<string, Stats>)
          .map((x) => x.median)
          .join(' / ')} ms`,
        '',
        '',
        '',
      ],
    ],
    [
      'web-200',
      () => {
        const w = s['web-200'];
        return [
          'web page, 200 nodes',
          `draw ${ms(w.drawMs)}; node shown p50 ${w.run.lagP50Ms} ms, p99 ${w.run.lagP99Ms} ms after its event (bare SSE client p50 ${w.run.streamLagP50Ms}, p99 ${w.run.streamLagP99Ms})`,
          '',
          '',
          '',
        ];
      },
    ],
  ];
  const rows = [
    ['scenario', 'tempoflow', 'hand-written', 'in-process', 'ratio vs hand-written'],
    ...builders.filter(([key]) => s[key]).map(([, row]) => row()),
  ];
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => r[c].length)));
  const line = (r: string[]) => `| ${r.map((cell, c) => cell.padEnd(widths[c])).join(' | ')} |`;
  process.stdout.write(
    `${[line(rows[0]), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...rows.slice(1).map(line)].join('\n')}\n`,
  );
}

await main();
