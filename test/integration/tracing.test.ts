import type { Server } from 'node:http';
import { InMemorySpanExporter, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection, type Worker } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp, type App } from '../../api/index.js';
import type { Tracing } from '../../infra/telemetry.js';
import { startTracing } from '../../infra/tracing.js';
import { createWorker } from '../../worker/index.js';
import { startHttpServer, type TestServer } from '../helpers/http-server.js';
import { logger, startStack, testEnv, uniqueName, type Stack } from '../helpers/stack.js';

const exporter = new InMemorySpanExporter();
let tracing: Tracing;
let stack: Stack;
let upstream: TestServer;
let app: App;
let server: Server;
let baseUrl = '';
let connection: Connection;
let nativeConnection: NativeConnection;
let worker: Worker;
let running: Promise<void>;

beforeAll(async () => {
  tracing = startTracing({ serviceName: 'tempoflow-test', exporter });
  stack = await startStack({ name: 'tracing', worker: false });
  upstream = await startHttpServer((_req, res) =>
    res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}'),
  );
  const env = testEnv();
  // An API whose Temporal client carries the OpenTelemetry interceptor, as api/main.ts builds it.
  connection = await Connection.connect({ address: env.address });
  const client = new Client({ connection, namespace: 'default', interceptors: tracing.clientInterceptors });
  app = await createApp({
    sql: stack.sql,
    client,
    logger,
    taskQueue: stack.taskQueue,
    namespace: 'default',
    temporalUiUrl: 'http://localhost:8233',
    apiKeys: [],
    rateLimitPerMinute: 100_000,
  });
  server = await new Promise<Server>((resolve) => {
    const s = app.app.listen(0, '127.0.0.1', () => resolve(s));
  });
  baseUrl = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  // A worker with the tracing plugin, as worker/main.ts builds it: it bundles the workflow
  // interceptors itself (no prebuilt bundle).
  nativeConnection = await NativeConnection.connect({ address: env.address });
  worker = await createWorker({
    connection: nativeConnection,
    namespace: 'default',
    taskQueue: stack.taskQueue,
    deps: { sql: stack.sql, logger, httpAllowHosts: [upstream.host], blobThresholdBytes: 256 * 1024 },
    plugins: tracing.workerPlugins,
    shutdownGraceTime: '2s',
  });
  running = worker.run();
}, 180_000);
afterAll(async () => {
  if (worker?.getState() === 'RUNNING') worker.shutdown();
  await running?.catch(() => {});
  await nativeConnection?.close();
  server?.close();
  server?.closeAllConnections();
  await app?.close();
  await connection?.close();
  await upstream?.close();
  await stack?.stop();
  await tracing?.shutdown();
});

describe('OpenTelemetry traces', () => {
  it('one run is one trace: API request → start workflow → workflow → activities → outbound HTTP', async () => {
    const name = await stack.createFlow({
      name: uniqueName('traced'),
      nodes: [
        { id: 'in', type: 'input' },
        { id: 'fetch', type: 'http', params: { url: `${upstream.url}/data/sk-in-path?api_key=sk-in-query` } },
        { id: 'out', type: 'output', params: { value: '{{fetch.body}}' } },
      ],
      edges: [
        { source: 'in', target: 'fetch' },
        { source: 'fetch', target: 'out' },
      ],
    });
    exporter.reset();
    const res = await fetch(`${baseUrl}/api/v1/flows/${name}/runs?wait=60`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{}',
    });
    expect(res.status).toBe(200);
    const run = (await res.json()) as { runId: string; status: string };
    expect(run.status).toBe('completed');

    // Workflow spans reach the exporter through a sink when their workflow task completes.
    let spans: ReadableSpan[] = [];
    for (let i = 0; i < 100; i++) {
      await tracing.flush();
      spans = exporter.getFinishedSpans();
      if (spans.some((s) => s.name === 'RunWorkflow:runFlow')) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    const root = spans.find((s) => s.name === 'POST /api/v1/flows/:flow/runs');
    expect(root, spans.map((s) => s.name).join(', ')).toBeDefined();
    const trace = spans.filter((s) => s.spanContext().traceId === root!.spanContext().traceId);
    const byId = new Map(trace.map((s) => [s.spanContext().spanId, s]));
    /** The names from a span up to the root of its trace. */
    const ancestry = (span: ReadableSpan): string[] => {
      const names: string[] = [];
      for (let s: ReadableSpan | undefined = span; s; s = s.parentSpanId ? byId.get(s.parentSpanId) : undefined)
        names.push(s.name);
      return names.reverse();
    };

    // This test's own fetch is instrumented too: its client span `POST` is the root, and the API
    // continued the trace from the traceparent header it sent.
    expect(ancestry(root!)).toEqual(['POST', 'POST /api/v1/flows/:flow/runs']);
    expect(root!.attributes).toMatchObject({
      'http.route': '/api/v1/flows/:flow/runs',
      'http.response.status_code': 200,
    });
    const startWorkflow = trace.find((s) => s.name === 'StartWorkflow:runFlow');
    expect(ancestry(startWorkflow!)).toEqual(['POST', 'POST /api/v1/flows/:flow/runs', 'StartWorkflow:runFlow']);
    const runWorkflow = trace.find((s) => s.name === 'RunWorkflow:runFlow');
    expect(ancestry(runWorkflow!).slice(0, 4)).toEqual([
      'POST',
      'POST /api/v1/flows/:flow/runs',
      'StartWorkflow:runFlow',
      'RunWorkflow:runFlow',
    ]);
    const runHttp = trace.find((s) => s.name === 'RunActivity:http');
    expect(ancestry(runHttp!)).toEqual([
      'POST',
      'POST /api/v1/flows/:flow/runs',
      'StartWorkflow:runFlow',
      'RunWorkflow:runFlow',
      'StartActivity:http',
      'RunActivity:http',
    ]);
    expect(runHttp!.attributes).toMatchObject({ 'tempoflow.run_id': run.runId, 'tempoflow.node_id': 'fetch' });
    // The outbound request is a client span under the activity, and carries the trace to the server.
    const outbound = trace.find((s) => s.parentSpanId === runHttp!.spanContext().spanId && s.name === 'GET');
    expect(outbound, ancestry(runHttp!).join(' > ')).toBeDefined();
    // The span keeps the request's origin: a path or query may carry a secret.
    expect(outbound!.attributes['url.full']).toBe(upstream.url);
    expect(JSON.stringify(trace.map((s) => s.attributes))).not.toMatch(/sk-in-(path|query)/);
    const traceparent = String(upstream.requests.at(-1)?.headers.traceparent ?? '');
    expect(traceparent.split('-')[1]).toBe(root!.spanContext().traceId);
    // Nothing of the run is orphaned: every span of the trace reaches the caller's span.
    for (const span of trace) expect(ancestry(span)[0]).toBe('POST');
    // The events no activity carried (here: the run's last ones, with run.completed) go by local activity.
    const publish = trace.filter((s) => s.name === 'RunActivity:publishEvents');
    expect(publish.length).toBeGreaterThanOrEqual(1);
    for (const span of publish) expect(ancestry(span)).toContain('RunWorkflow:runFlow');
  });
});
