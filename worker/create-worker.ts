import { fileURLToPath } from 'node:url';
import { Worker, bundleWorkflowCode, type NativeConnection, type WorkerOptions } from '@temporalio/worker';
import { createActivities, type ActivityDeps } from '../activities/index.js';

export const WORKFLOWS_PATH = fileURLToPath(new URL('../workflows/index.ts', import.meta.url));

export interface CreateWorkerOptions {
  connection: NativeConnection;
  namespace: string;
  taskQueue: string;
  deps: ActivityDeps;
  /** A prebuilt bundle (tests build one for every worker); otherwise the worker bundles at start. */
  workflowBundle?: { code: string } | { codePath: string };
  maxConcurrentActivityTaskExecutions?: number;
  maxConcurrentWorkflowTaskExecutions?: number;
  shutdownGraceTime?: WorkerOptions['shutdownGraceTime'];
  /** Open runs kept in memory; others are evicted and replayed when they next have work. */
  maxCachedWorkflows?: number;
  /** Poll only workflow tasks or only activity tasks (both by default). */
  roles?: { workflows: boolean; activities: boolean };
  /** Worker plugins, e.g. OpenTelemetry tracing (lib/telemetry.ts). */
  plugins?: WorkerOptions['plugins'];
}

/** The workflow bundle of `workflowsPath` (default: Tempoflow's workflows), as the worker loads it. */
export async function bundleWorkflows(workflowsPath = WORKFLOWS_PATH): Promise<{ code: string }> {
  return bundleWorkflowCode({
    workflowsPath,
    logger: quietBundlerLogger,
  });
}

const quietBundlerLogger = {
  log: () => {},
  trace: () => {},
  debug: () => {},
  info: () => {},
  warn: () => {},
  error: (message: string, meta?: unknown) => console.error(message, meta ?? ''),
};

export async function createWorker(o: CreateWorkerOptions): Promise<Worker> {
  const roles = o.roles ?? { workflows: true, activities: true };
  const workflows = o.workflowBundle ? { workflowBundle: o.workflowBundle } : { workflowsPath: WORKFLOWS_PATH };
  return Worker.create({
    connection: o.connection,
    namespace: o.namespace,
    taskQueue: o.taskQueue,
    ...(roles.workflows ? workflows : {}),
    ...(roles.activities ? { activities: createActivities(o.deps) } : {}),
    maxConcurrentActivityTaskExecutions: o.maxConcurrentActivityTaskExecutions ?? 200,
    maxConcurrentWorkflowTaskExecutions: o.maxConcurrentWorkflowTaskExecutions ?? 40,
    maxConcurrentLocalActivityExecutions: 50,
    maxCachedWorkflows: o.maxCachedWorkflows ?? 500,
    // Cancellation reaches an activity on its next heartbeat; keep that under a second.
    maxHeartbeatThrottleInterval: '500ms',
    defaultHeartbeatThrottleInterval: '500ms',
    shutdownGraceTime: o.shutdownGraceTime ?? '30s',
    ...(o.plugins ? { plugins: o.plugins } : {}),
  });
}
