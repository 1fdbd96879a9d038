import type { Server } from 'node:http';
import { randomUUID } from 'node:crypto';
import { NativeConnection, Runtime, makeTelemetryFilterString, type Worker } from '@temporalio/worker';
import { pino } from 'pino';
import { createApp, type App } from '../../api/index.js';
import { createSql, type Sql, connectClient, silentLogger } from '../../infra/index.js';
import { createWorker } from '../../worker/index.js';
import type { Client } from '@temporalio/client';

export interface StackOptions {
  name: string;
  httpAllowHosts?: string[];
  apiKeys?: string[];
  keepAliveMs?: number;
  blobThresholdBytes?: number;
  maxActivities?: number;
  /** Early writes of the events a workflow drafts (default on, as for `npm run worker`). */
  earlyEvents?: boolean;
  /** Promise stack traces in the workflow threads (default off, as for `npm run worker`). */
  workflowStackTraces?: boolean;
  bodyLimit?: string;
  rateLimitPerMinute?: number;
  /** Start a worker with the stack (default true). */
  worker?: boolean;
  env?: NodeJS.ProcessEnv;
}

export interface ApiResponse<T = any> {
  status: number;
  body: T;
  headers: Headers;
}

let runtimeInstalled = false;

export function testEnv() {
  const databaseUrl = process.env.TEST_DATABASE_URL_RESOLVED;
  const address = process.env.TEST_TEMPORAL_ADDRESS;
  const bundle = process.env.TEST_WORKFLOW_BUNDLE;
  if (!databaseUrl || !address || !bundle)
    throw new Error('integration global setup did not run (Temporal and Postgres are required)');
  return { databaseUrl, address, bundle };
}

export const logger = pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });

/** A real API (on a free port) and a real worker on a task queue of this test file's own. */
export async function startStack(o: StackOptions) {
  const env = testEnv();
  if (!runtimeInstalled) {
    Runtime.install({
      logger: silentLogger as never,
      telemetryOptions: { logging: { filter: makeTelemetryFilterString({ core: 'ERROR' }) } },
    });
    runtimeInstalled = true;
  }
  const taskQueue = `${o.name}-${randomUUID().slice(0, 8)}`;
  const sql: Sql = createSql(env.databaseUrl, { max: 20, applicationName: taskQueue });
  const { client, connection } = await connectClient(env.address, 'default');
  const workers: { worker: Worker; running: Promise<void>; connection: NativeConnection }[] = [];

  async function startWorker(
    extra: { maxActivities?: number; roles?: { workflows: boolean; activities: boolean } } = {},
  ) {
    const nativeConnection = await NativeConnection.connect({ address: env.address });
    const worker = await createWorker({
      connection: nativeConnection,
      namespace: 'default',
      taskQueue,
      deps: {
        sql,
        logger,
        httpAllowHosts: o.httpAllowHosts ?? [],
        blobThresholdBytes: o.blobThresholdBytes ?? 256 * 1024,
        env: { ...process.env, ...o.env },
      },
      workflowBundle: { codePath: env.bundle },
      maxConcurrentActivityTaskExecutions: extra.maxActivities ?? o.maxActivities,
      shutdownGraceTime: '2s',
      roles: extra.roles,
      earlyEvents: o.earlyEvents,
      workflowStackTraces: o.workflowStackTraces,
    });
    const entry = { worker, running: worker.run(), connection: nativeConnection };
    workers.push(entry);
    return entry;
  }
  async function stopWorkers() {
    for (const w of workers.splice(0)) {
      if (w.worker.getState() === 'RUNNING') w.worker.shutdown();
      await w.running.catch(() => {});
      await w.connection.close();
    }
  }
  if (o.worker !== false) await startWorker();

  let app: App;
  let server: Server;
  async function startApi() {
    app = await createApp({
      sql,
      client,
      logger,
      taskQueue,
      namespace: 'default',
      temporalUiUrl: 'http://localhost:8233',
      apiKeys: o.apiKeys ?? [],
      keepAliveMs: o.keepAliveMs,
      bodyLimit: o.bodyLimit,
      rateLimitPerMinute: o.rateLimitPerMinute ?? 100_000,
    });
    server = await new Promise<Server>((resolve) => {
      const s = app.app.listen(0, '127.0.0.1', () => resolve(s));
    });
    stack.baseUrl = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  }
  async function stopApi() {
    server.close();
    await app.close();
    server.closeAllConnections();
  }

  const stack = {
    taskQueue,
    sql,
    client: client as Client,
    baseUrl: '',
    startWorker,
    stopWorkers,
    startApi,
    stopApi,
    get app() {
      return app;
    },
    async api<T = any>(
      method: string,
      path: string,
      body?: unknown,
      headers: Record<string, string> = {},
    ): Promise<ApiResponse<T>> {
      const res = await fetch(`${stack.baseUrl}${path}`, {
        method,
        headers: { ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...headers },
        body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
      });
      const text = await res.text();
      let parsed: unknown = text;
      try {
        parsed = text ? JSON.parse(text) : null;
      } catch {
        /* not JSON */
      }
      return { status: res.status, body: parsed as T, headers: res.headers };
    },
    /** Stores a flow (name made unique per stack) and returns its name. */
    async createFlow(def: { name: string } & Record<string, unknown>): Promise<string> {
      const res = await stack.api('POST', '/api/v1/flows', def);
      if (res.status !== 201) throw new Error(`createFlow ${def.name}: ${res.status} ${JSON.stringify(res.body)}`);
      return def.name;
    },
    async run(flow: string, body: Record<string, unknown> = {}, waitSeconds = 60) {
      const res = await stack.api('POST', `/api/v1/flows/${flow}/runs?wait=${waitSeconds}`, body);
      if (res.status !== 200 && res.status !== 202)
        throw new Error(`run ${flow}: ${res.status} ${JSON.stringify(res.body)}`);
      return res.body;
    },
    async start(flow: string, body: Record<string, unknown> = {}) {
      const res = await stack.api('POST', `/api/v1/flows/${flow}/runs`, body);
      if (res.status !== 202) throw new Error(`start ${flow}: ${res.status} ${JSON.stringify(res.body)}`);
      return res.body as { runId: string; workflowId: string };
    },
    /**
     * Waits until `count` activities of a workflow are running and returns its handle. A started
     * activity reaches history only when it ends, so this asks for the pending ones.
     */
    async waitForRunningActivities(workflowId: string, count: number, timeoutMs = 60_000) {
      const handle = client.workflow.getHandle(workflowId);
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const pending = (await handle.describe().catch(() => undefined))?.raw.pendingActivities ?? [];
        if (pending.filter((a) => a.lastStartedTime).length >= count) return handle;
        if (Date.now() > deadline) throw new Error(`${workflowId} never had ${count} running activities`);
        await new Promise((r) => setTimeout(r, 100));
      }
    },
    async waitForRun(runId: string, predicate: (run: any) => boolean, timeoutMs = 60_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const res = await stack.api('GET', `/api/v1/runs/${runId}`);
        if (res.status === 200 && predicate(res.body)) return res.body;
        if (Date.now() > deadline)
          throw new Error(`run ${runId} never matched; last: ${JSON.stringify(res.body).slice(0, 2000)}`);
        await new Promise((r) => setTimeout(r, 100));
      }
    },
    async stop() {
      await stopApi().catch(() => {});
      await stopWorkers();
      await connection.close();
      await sql.end({ timeout: 2 });
    },
  };
  await startApi();
  return stack;
}

export type Stack = Awaited<ReturnType<typeof startStack>>;

export const uniqueName = (prefix: string) => `${prefix}-${randomUUID().slice(0, 8)}`;
