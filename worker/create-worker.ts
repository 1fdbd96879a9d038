import { Worker, type InjectedSinks, type NativeConnection, type WorkerOptions } from '@temporalio/worker';
import { createActivities, type ActivityDeps } from '../activities/index.js';
import { INTERCEPTORS_PATH, WORKFLOWS_PATH } from '../bundle/index.js';
import { EarlyEvents, EventWriter } from '../events/index.js';
import { WORKER_DEFAULTS } from '../infra/index.js';
import type { EventSinks } from '../workflows/outbox.js';
import { withWorkflowThreads } from './workflow-threads.js';

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
  /**
   * Store the events a workflow drafts as each activation ends (default true; WORKER_EARLY_EVENTS).
   * Off, they wait for the node activity that carries them or a local activity, as before.
   */
  earlyEvents?: boolean;
  /**
   * Record a stack trace for every promise in workflow code, for the stack trace query (the
   * Temporal UI's "Stack Trace" tab). Default false (WORKER_WORKFLOW_STACK_TRACES): they cost a
   * large share of the workflow threads' CPU (worker/workflow-threads.ts).
   */
  workflowStackTraces?: boolean;
  /** More sinks for the workflows (the bench's probe). */
  sinks?: InjectedSinks<Record<string, Record<string, (...args: any[]) => void>>>;
}

export async function createWorker(o: CreateWorkerOptions): Promise<Worker> {
  const roles = o.roles ?? { workflows: true, activities: true };
  const workflows = o.workflowBundle
    ? { workflowBundle: o.workflowBundle }
    : { workflowsPath: WORKFLOWS_PATH, interceptors: { workflowModules: [INTERCEPTORS_PATH] } };
  // One writer for the workflows' early writes and the activities' writes, so the second write of
  // an event leaves out what the first stored.
  const events = new EarlyEvents(o.deps.events ?? new EventWriter(o.deps.sql), o.deps.logger);
  const sinks: InjectedSinks<EventSinks> = {
    ...o.sinks,
    events: {
      drafted: {
        fn:
          (o.earlyEvents ?? WORKER_DEFAULTS.WORKER_EARLY_EVENTS)
            ? (info, runId, drafts) => events.drafted(runId, drafts, info.workflowId)
            : () => undefined,
      },
    },
  };
  return withWorkflowThreads(
    { stackTraces: o.workflowStackTraces ?? WORKER_DEFAULTS.WORKER_WORKFLOW_STACK_TRACES },
    () =>
      Worker.create({
        connection: o.connection,
        namespace: o.namespace,
        taskQueue: o.taskQueue,
        ...(roles.workflows ? workflows : {}),
        ...(roles.workflows ? { sinks } : {}),
        ...(roles.activities ? { activities: createActivities({ ...o.deps, events }) } : {}),
        maxConcurrentActivityTaskExecutions:
          o.maxConcurrentActivityTaskExecutions ?? WORKER_DEFAULTS.WORKER_MAX_ACTIVITIES,
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
      }),
  );
}
