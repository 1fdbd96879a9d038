import { startApi } from '../api-process.js';
import { cpuSince, cpuSnapshot, showCpu } from '../cpu.js';
import { FIVE_NODES } from '../flows.js';
import type { Scenario } from '../scenario.js';
import { pct, round } from '../stats.js';

const RUNS = 300;
const IDLE_RUNS = 20;

/**
 * 300 runs of a five-node flow started at once through the API, against 300 hand-written runs;
 * one run in ten is watched over SSE meanwhile (latency under load), then 20 runs one at a time
 * (idle latency). Produces `throughput` and `sse-latency`.
 */
export const throughput: Scenario = {
  name: 'throughput',
  async run(bench) {
    await bench.store(FIVE_NODES);
    bench.log(`throughput: ${RUNS} runs through the API`);
    const latencies: number[] = [];
    const sse: number[] = [];
    const sseLive: number[] = [];
    const watchers: Promise<void>[] = [];
    const c0 = cpuSnapshot();
    const t0 = performance.now();
    await Promise.all(
      Array.from({ length: RUNS }, async (_, i) => {
        const started = performance.now();
        const run = await bench.post(`/api/v1/flows/${FIVE_NODES.name}/runs`, { inputs: { n: i } });
        if (i % 10 === 0) watchers.push(bench.watch(run.runId, sse, sseLive));
        await bench.client.workflow.getHandle(run.workflowId).result();
        latencies.push(performance.now() - started);
      }),
    );
    const tempoWall = performance.now() - t0;
    await Promise.all(watchers);
    const tempoCpu = cpuSince(c0);
    const hc0 = cpuSnapshot();
    const h0 = performance.now();
    bench.activationToSink.splice(0);
    // Probed: each activation that ends an echo calls a sink (what Tempoflow's outbox does), so the
    // same burst shows how long an activation's output takes to reach the worker under this load.
    // Start-to-finish latency too: what "p50 halved" can be measured against.
    const handLatencies: number[] = [];
    await Promise.all(
      Array.from({ length: RUNS }, async () => {
        const started = performance.now();
        await bench.hand('handFanout', ['bench', 2, 0, true]);
        handLatencies.push(performance.now() - started);
      }),
    );
    const handWall = performance.now() - h0;
    const loadedFloor = bench.activationToSink.splice(0);
    const handCpu = cpuSince(hc0);
    const runsPerSec = RUNS / (tempoWall / 1000);
    const handwrittenRunsPerSec = RUNS / (handWall / 1000);
    const idle: number[] = [];
    const idleLive: number[] = [];
    for (let i = 0; i < IDLE_RUNS; i++) {
      const run = await bench.post(`/api/v1/flows/${FIVE_NODES.name}/runs`, { inputs: { n: i } });
      await bench.watch(run.runId, idle, idleLive);
    }
    // The floor for an event drafted in a workflow: a hand-written chain of the same activities
    // hands its clock to a sink after each, as Tempoflow's outbox hands its drafts to the worker.
    bench.activationToSink.splice(0);
    for (let i = 0; i < IDLE_RUNS; i++) await bench.hand('handSinkChain', ['bench', 5]);
    const floor = bench.activationToSink.splice(0);
    // The same 300 runs through an API in its own process (`npm run api`, as deployed): the
    // in-process API queues the burst's HTTP requests on the event loop the worker also uses.
    bench.log(`throughput: ${RUNS} runs through an API in its own process`);
    const api = await startApi(bench, 'throughput');
    const separate: number[] = [];
    let separateWall = 0;
    try {
      const s0 = performance.now();
      await Promise.all(
        Array.from({ length: RUNS }, async (_, i) => {
          const started = performance.now();
          const res = await fetch(`${api.base}/api/v1/flows/${FIVE_NODES.name}/runs`, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({ inputs: { n: i } }),
          });
          if (res.status !== 202) throw new Error(`throughput: POST answered ${res.status}: ${await res.text()}`);
          const run = (await res.json()) as { workflowId: string };
          await bench.client.workflow.getHandle(run.workflowId).result();
          separate.push(performance.now() - started);
        }),
      );
      separateWall = performance.now() - s0;
    } finally {
      await api.stop();
    }
    const separateRunsPerSec = RUNS / (separateWall / 1000);
    return {
      throughput: {
        runs: RUNS,
        runsPerSec: round(runsPerSec),
        nodesPerSec: round(runsPerSec * 5),
        handwrittenRunsPerSec: round(handwrittenRunsPerSec),
        ratioVsHandwritten: round(handwrittenRunsPerSec / runsPerSec, 2),
        p50LatencyMs: pct(latencies, 50),
        p99LatencyMs: pct(latencies, 99),
        handwrittenP50LatencyMs: pct(handLatencies, 50),
        handwrittenP99LatencyMs: pct(handLatencies, 99),
        // CPU seconds of each part during each burst (bench/cpu.ts): whose work the gap is.
        cpuSeconds: { tempoflow: tempoCpu, handwritten: handCpu },
        separateApi: {
          runsPerSec: round(separateRunsPerSec),
          ratioVsHandwritten: round(handwrittenRunsPerSec / separateRunsPerSec, 2),
          p50LatencyMs: pct(separate, 50),
          p99LatencyMs: pct(separate, 99),
        },
      },
      'sse-latency': {
        // Events written after the client's stream opened: publish → client.
        events: sseLive.length,
        p50Ms: pct(sseLive, 50),
        p99Ms: pct(sseLive, 99),
        maxMs: round(Math.max(...sseLive)),
        // Hand-written, same load: from an activation's timestamp to its sink call.
        activationToSink: { n: loadedFloor.length, p50Ms: pct(loadedFloor, 50), p99Ms: pct(loadedFloor, 99) },
        idle: {
          events: idleLive.length,
          p50Ms: pct(idleLive, 50),
          p99Ms: pct(idleLive, 99),
          // Hand-written, idle: from an activation's timestamp (a drafted event's ts) to its sink call.
          activationToSink: { n: floor.length, p50Ms: pct(floor, 50), p99Ms: pct(floor, 99) },
        },
        // Every event, also those written before the client connected (delivered when it does).
        withBackfill: {
          events: sse.length,
          p50Ms: pct(sse, 50),
          p99Ms: pct(sse, 99),
          idle: { events: idle.length, p50Ms: pct(idle, 50), p99Ms: pct(idle, 99) },
        },
        note: 'under load: during throughput, with the bench client, API, worker, Postgres and Temporal sharing the machine; idle: one run at a time. Latency of the events written after the client connected; withBackfill: of every event, those stored before it connected counted from their ts to the connection',
      },
    };
  },
  rows: (s) => {
    const t = s.throughput;
    const e = s['sse-latency'];
    return [
      [
        `throughput (${t.runs} runs)`,
        `${t.runsPerSec} runs/s, p50 ${t.p50LatencyMs} ms, p99 ${t.p99LatencyMs} ms`,
        `${t.handwrittenRunsPerSec} runs/s` +
          (t.handwrittenP50LatencyMs === undefined
            ? ''
            : `, p50 ${t.handwrittenP50LatencyMs} ms, p99 ${t.handwrittenP99LatencyMs} ms`),
        '',
        `${t.ratioVsHandwritten}×`,
      ],
      [
        `throughput, CPU seconds per burst`,
        showCpu(t.cpuSeconds?.tempoflow),
        showCpu(t.cpuSeconds?.handwritten),
        '',
        '',
      ],
      [
        `throughput, API in its own process`,
        `${t.separateApi.runsPerSec} runs/s, p50 ${t.separateApi.p50LatencyMs} ms, p99 ${t.separateApi.p99LatencyMs} ms`,
        `${t.handwrittenRunsPerSec} runs/s`,
        '',
        `${t.separateApi.ratioVsHandwritten}×`,
      ],
      [
        'sse-latency',
        `under load p50 ${e.p50Ms} ms, p99 ${e.p99Ms} ms; idle p50 ${e.idle.p50Ms} ms, p99 ${e.idle.p99Ms} ms` +
          (e.activationToSink && e.idle.activationToSink
            ? `; hand-written activation ts → sink: under load p50 ${e.activationToSink.p50Ms} ms, p99 ${e.activationToSink.p99Ms} ms, idle p50 ${e.idle.activationToSink.p50Ms} ms, p99 ${e.idle.activationToSink.p99Ms} ms`
            : '') +
          (e.withBackfill
            ? ` (with backfill: under load p99 ${e.withBackfill.p99Ms} ms, idle p99 ${e.withBackfill.idle.p99Ms} ms)`
            : ''),
        '',
        '',
        '',
      ],
    ];
  },
};
