import type { Server } from 'node:http';
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import type { Client } from '@temporalio/client';
import { NativeConnection, Runtime, makeTelemetryFilterString } from '@temporalio/worker';
import { pino } from 'pino';
import { createApp } from '../api/index.js';
import { startScratchServices } from '../dev/services.js';
import { configSchema, createSql, connectClient, type Sql } from '../infra/index.js';
import { createSseParser } from '../events/index.js';
import { bundleWorkflows } from '../bundle/index.js';
import { createWorker } from '../worker/index.js';
import type { BenchFlow } from './flows.js';

export interface HarnessOptions {
  quick: boolean;
  /** The worker's workflow cache (WORKER_MAX_CACHED_WORKFLOWS, as for `npm run worker`). */
  maxCachedWorkflows: number;
  cliPath?: string;
  log: (line: string) => void;
}

/** What a scenario gets: one API, one worker and one Temporal client, all in this process. */
export interface Bench {
  quick: boolean;
  /** Trials per measurement after a warm-up. */
  trials: number;
  maxCachedWorkflows: number;
  base: string;
  client: Client;
  sql: Sql;
  log: (line: string) => void;
  post(path: string, body: unknown): Promise<any>;
  store(flow: BenchFlow): Promise<unknown>;
  /** Runs a stored flow through the API to completion; throws unless it completed. */
  runTempo(flow: string, inputs?: object): Promise<any>;
  /** Runs a hand-written workflow of bench/workflows.ts with the same activities. */
  hand(type: string, args: unknown[]): Promise<unknown>;
  /** Milliseconds from an activation's timestamp to the worker handling its sink calls (handSinkChain). */
  activationToSink: number[];
  /** The workflow id of the last `hand` run (for its history). */
  lastHandWorkflowId?: string;
  /**
   * Reads a run's events over SSE, recording publish → receipt latency (same clock): of every event
   * in `into`, of those written after the stream opened in `live` (the others reach the client when
   * it connects, so their latency is the client's, not the stream's).
   */
  watch(runId: string, into: number[], live?: number[]): Promise<void>;
  /** Where the scratch services are, for a scenario that starts its own process (`npm run api`). */
  services: { databaseUrl: string; temporalAddress: string; taskQueue: string };
}

const TASK_QUEUE = 'bench';
const silent = { log() {}, trace() {}, debug() {}, info() {}, warn() {}, error() {} };

/** Starts scratch Postgres and Temporal (as the tests do), a worker with the bench workflows, and the API. */
export async function startBench(o: HarnessOptions): Promise<{ bench: Bench; stop: () => Promise<void> }> {
  const services = await startScratchServices({
    prefix: 'tempoflow-bench',
    database: 'tempoflow_bench',
    databaseUrl: process.env.BENCH_DATABASE_URL,
    cliPath: o.cliPath,
  });
  const stops: (() => Promise<void>)[] = [services.stop];
  const stop = async () => {
    for (const s of stops.reverse()) await s().catch(() => undefined);
  };
  const activationToSink: number[] = [];
  try {
    Runtime.install({
      logger: {
        ...silent,
        warn: (m: string, a?: unknown) => o.log(`worker: ${m} ${JSON.stringify(a ?? {})}`),
        error: (m: string, a?: unknown) => o.log(`worker: ${m} ${JSON.stringify(a ?? {})}`),
      } as never,
      telemetryOptions: { logging: { filter: makeTelemetryFilterString({ core: 'WARN' }) } },
    });
    const sql = createSql(services.databaseUrl, { max: 40 });
    stops.push(() => sql.end({ timeout: 2 }));
    const bundle = await bundleWorkflows(fileURLToPath(new URL('./workflows.ts', import.meta.url)));
    const nativeConnection = await NativeConnection.connect({ address: services.temporalAddress });
    const logger = pino({ level: 'silent' });
    const worker = await createWorker({
      connection: nativeConnection,
      namespace: 'default',
      taskQueue: TASK_QUEUE,
      deps: { sql, logger, httpAllowHosts: [], blobThresholdBytes: 256 * 1024 },
      workflowBundle: bundle,
      shutdownGraceTime: '5s',
      maxCachedWorkflows: o.maxCachedWorkflows,
      // As for `npm run worker`, read the same way: the same variables turn early event writes off
      // and workflow stack traces on (to measure them).
      earlyEvents: configSchema.shape.WORKER_EARLY_EVENTS.parse(process.env.WORKER_EARLY_EVENTS),
      workflowStackTraces: configSchema.shape.WORKER_WORKFLOW_STACK_TRACES.parse(
        process.env.WORKER_WORKFLOW_STACK_TRACES,
      ),
      sinks: { probe: { activation: { fn: (_info, at: number) => void activationToSink.push(Date.now() - at) } } },
    });
    const running = worker.run();
    stops.push(async () => {
      worker.shutdown();
      await running;
      await nativeConnection.close();
    });
    const { client, connection } = await connectClient(services.temporalAddress, 'default');
    stops.push(() => connection.close());
    const app = await createApp({
      sql,
      client,
      logger,
      taskQueue: TASK_QUEUE,
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
    const bench: Bench = {
      activationToSink,
      quick: o.quick,
      trials: o.quick ? 3 : 7,
      maxCachedWorkflows: o.maxCachedWorkflows,
      base,
      client,
      sql,
      log: o.log,
      post,
      services: { databaseUrl: services.databaseUrl, temporalAddress: services.temporalAddress, taskQueue: TASK_QUEUE },
      store: (flow) => post('/api/v1/flows', flow),
      async runTempo(flow, inputs = {}) {
        let run = await post(`/api/v1/flows/${flow}/runs?wait=300`, { inputs });
        while (run.status === 'running' || run.status === 'waiting')
          run = await (await fetch(`${base}/api/v1/runs/${run.runId}`)).json();
        if (run.status !== 'completed') throw new Error(`${flow}: ${run.status} ${JSON.stringify(run.error)}`);
        return run;
      },
      hand(type, args) {
        const workflowId = `hand-${randomUUID()}`;
        bench.lastHandWorkflowId = workflowId;
        return client.workflow.execute(type, { taskQueue: TASK_QUEUE, workflowId, args });
      },
      async watch(runId, into, live) {
        const res = await fetch(`${base}/api/v1/runs/${runId}/events`);
        const connectedAt = Date.now();
        const decoder = new TextDecoder();
        const parse = createSseParser();
        for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
          const now = Date.now();
          for (const frame of parse(decoder.decode(chunk, { stream: true })))
            if (frame.data) {
              const ts = Date.parse(JSON.parse(frame.data).ts);
              into.push(now - ts);
              if (ts > connectedAt) live?.push(now - ts);
            }
        }
      },
    };
    return { bench, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}
