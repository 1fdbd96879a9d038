import { Worker, type NativeConnection, type WorkerOptions } from '@temporalio/worker';
import { createActivities, type ActivityDeps } from '../activities/index.js';
import { WORKFLOWS_PATH } from '../bundle/index.js';
import { WORKER_DEFAULTS } from '../infra/index.js';

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
  /** Worker plugins, e.g. OpenTelemetry tracing (infra/telemetry.ts). */
  plugins?: WorkerOptions['plugins'];
}

export async function createWorker(o: CreateWorkerOptions): Promise<Worker> {
  const roles = o.roles ?? { workflows: true, activities: true };
  const workflows = o.workflowBundle ? { workflowBundle: o.workflowBundle } : { workflowsPath: WORKFLOWS_PATH };
  return Worker.create({
    connection: o.connection,
    namespace: o.namespace,
    taskQueue: o.taskQueue,
    ...(roles.workflows ? workflows : {}),
    ...(roles.activities ? { activities: createActivities(o.deps) } : {}),
    maxConcurrentActivityTaskExecutions: o.maxConcurrentActivityTaskExecutions ?? WORKER_DEFAULTS.WORKER_MAX_ACTIVITIES,
    maxConcurrentWorkflowTaskExecutions:
      o.maxConcurrentWorkflowTaskExecutions ?? WORKER_DEFAULTS.WORKER_MAX_WORKFLOW_TASKS,
    maxConcurrentLocalActivityExecutions: 50,
    maxCachedWorkflows: o.maxCachedWorkflows ?? WORKER_DEFAULTS.WORKER_MAX_CACHED_WORKFLOWS,
    // Cancellation reaches an activity on its next heartbeat; keep that under a second.
    maxHeartbeatThrottleInterval: '500ms',
    defaultHeartbeatThrottleInterval: '500ms',
    shutdownGraceTime:
      o.shutdownGraceTime ?? (WORKER_DEFAULTS.WORKER_SHUTDOWN_GRACE as WorkerOptions['shutdownGraceTime']),
    ...(o.plugins ? { plugins: o.plugins } : {}),
  });
}
