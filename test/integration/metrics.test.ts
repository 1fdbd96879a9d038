import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../infra/index.js';
import { readStream } from '../helpers/sse.js';
import { spawnWorker, type AppProcess } from '../helpers/processes.js';
import { startStack, uniqueName, type Stack } from '../helpers/stack.js';

let stack: Stack;
let worker: AppProcess;
let workerMetricsUrl = '';

beforeAll(async () => {
  stack = await startStack({ name: 'metrics', worker: false });
  const port = await freePort();
  workerMetricsUrl = `http://127.0.0.1:${port}/metrics`;
  // `npm run worker` as it runs in production, so its metrics port and the SDK's runtime metrics are real.
  worker = spawnWorker(stack.taskQueue, { WORKER_METRICS_PORT: String(port), LOG_LEVEL: 'warn' });
  await waitFor(
    async () => (await fetch(workerMetricsUrl).catch(() => undefined))?.ok === true,
    () => worker.log(),
  );
});
afterAll(async () => {
  await worker?.stop();
  await stack?.stop();
});

describe('GET /metrics', () => {
  it('on the API and on the worker, the documented series move during a run', async () => {
    const name = await stack.createFlow({
      name: uniqueName('metered'),
      nodes: [
        { id: 'in', type: 'input' },
        { id: 'slow', type: 'echo', params: { value: '{{in.x}}', durationMs: 2000 } },
        { id: 'flaky', type: 'echo', params: { value: 2, failAttempts: 1 }, retry: { initialInterval: '100ms' } },
        { id: 'out', type: 'output', params: { value: '{{slow}}' } },
        { id: 'bad', type: 'echo', params: { fail: 'on purpose' } },
      ],
      // `bad` fails last, after every other node finished, so no attempt is cancelled.
      edges: [
        { source: 'in', target: 'slow' },
        { source: 'in', target: 'flaky' },
        { source: 'slow', target: 'out' },
        { source: 'out', target: 'bad' },
        { source: 'flaky', target: 'bad' },
      ],
    });
    const apiBefore = parse(await text(`${stack.baseUrl}/metrics`));
    const workerBefore = parse(await text(workerMetricsUrl));

    const { runId } = await stack.start(name, { inputs: { x: 'hi' } });
    const stream = readStream(stack.baseUrl, runId);
    // The stream is open while the run goes on (2 s at least): the API counts it as an SSE client.
    await waitFor(async () => value(parse(await text(`${stack.baseUrl}/metrics`)), 'tempoflow_sse_clients') >= 1);
    const events = await stream;
    expect(events.at(-1)?.event).toBe('run.failed');

    const flow = { flow: name };
    await waitFor(async () => {
      const m = parse(await text(`${stack.baseUrl}/metrics`));
      return value(m, 'tempoflow_runs_failed_total', flow) === 1;
    });
    const api = parse(await text(`${stack.baseUrl}/metrics`));
    expect(value(api, 'tempoflow_runs_started_total', { flow: name, origin: 'api' })).toBe(1);
    expect(value(api, 'tempoflow_runs_failed_total', flow)).toBe(1);
    expect(value(api, 'tempoflow_runs_completed_total', flow)).toBe(0);
    expect(value(api, 'tempoflow_run_duration_seconds_count', { ...flow, status: 'failed' })).toBe(1);
    expect(value(api, 'tempoflow_run_duration_seconds_sum', { ...flow, status: 'failed' })).toBeGreaterThan(0.3);
    expect(value(api, 'tempoflow_sse_clients')).toBe(0);
    const lagCount = (m: Metrics) => value(m, 'tempoflow_event_lag_seconds_count');
    // Lag is observed for the events written while the stream was open (not for the replayed backlog).
    expect(lagCount(api) - lagCount(apiBefore)).toBeGreaterThan(0);
    expect(lagCount(api) - lagCount(apiBefore)).toBeLessThanOrEqual(events.length);
    const route = { method: 'POST', route: '/api/v1/flows/:flow/runs', status: '202' };
    expect(
      value(api, 'tempoflow_http_request_duration_seconds_count', route) -
        value(apiBefore, 'tempoflow_http_request_duration_seconds_count', route),
    ).toBe(1);

    // The SDK counts the workflow's failure when its last task completes, after the closing local
    // activity stored run.failed (which the API counted above): wait for it.
    await waitFor(
      async () =>
        value(parse(await text(workerMetricsUrl)), 'temporal_workflow_failed_total', {
          task_queue: stack.taskQueue,
        }) === 1,
    );
    const w = parse(await text(workerMetricsUrl));
    const moved = (labels: Labels) =>
      value(w, 'tempoflow_node_attempts_total', labels) - value(workerBefore, 'tempoflow_node_attempts_total', labels);
    expect(moved({ type: 'echo', outcome: 'completed' })).toBe(2);
    expect(moved({ type: 'echo', outcome: 'retrying' })).toBe(1);
    expect(moved({ type: 'echo', outcome: 'failed' })).toBe(1);
    expect(value(w, 'tempoflow_node_duration_seconds_sum', { type: 'echo', outcome: 'completed' })).toBeGreaterThan(
      0.3,
    );
    // The Temporal SDK's own worker metrics, served on the same port.
    expect(
      value(w, 'temporal_activity_execution_latency_seconds_count', { task_queue: stack.taskQueue }),
    ).toBeGreaterThan(0);
    expect(value(w, 'temporal_workflow_failed_total', { task_queue: stack.taskQueue })).toBe(1);
    expect(series(w, 'temporal_worker_task_slots_available').length).toBeGreaterThan(0);
  });

  it('is text/plain in the Prometheus exposition format, with HELP for every tempoflow series', async () => {
    const res = await fetch(`${stack.baseUrl}/metrics`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    const body = await res.text();
    for (const metric of [
      'tempoflow_runs_started_total',
      'tempoflow_runs_completed_total',
      'tempoflow_runs_failed_total',
      'tempoflow_runs_cancelled_total',
      'tempoflow_run_duration_seconds',
      'tempoflow_sse_clients',
      'tempoflow_event_lag_seconds',
      'tempoflow_http_request_duration_seconds',
    ])
      expect(body).toContain(`# HELP ${metric} `);
  });
});

type Labels = Record<string, string>;
type Metrics = { name: string; labels: Labels; value: number }[];

async function text(url: string): Promise<string> {
  const res = await fetch(url);
  if (!res.ok) throw new Error(`${url}: ${res.status}`);
  return res.text();
}

function parse(body: string): Metrics {
  const out: Metrics = [];
  for (const line of body.split('\n')) {
    const m = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)/.exec(line);
    if (!m) continue;
    const labels: Labels = {};
    for (const [, k, v] of (m[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)) labels[k] = v;
    out.push({ name: m[1], labels, value: Number(m[3]) });
  }
  return out;
}

function series(m: Metrics, name: string, labels: Labels = {}) {
  return m.filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v));
}

/** The sum over every series of `name` whose labels include `labels` (0 when none). */
function value(m: Metrics, name: string, labels: Labels = {}): number {
  return series(m, name, labels).reduce((sum, s) => sum + s.value, 0);
}

async function waitFor(check: () => Promise<boolean>, log?: () => string): Promise<void> {
  for (let i = 0; i < 600; i++) {
    if (await check().catch(() => false)) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`condition not met within 60 s${log ? `:\n${log()}` : ''}`);
}
