import { AsyncLocalStorage } from 'node:async_hooks';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import workerThreads from 'node:worker_threads';

const require = createRequire(import.meta.url);

/** The Temporal SDK's workflow thread: `Worker.create` starts its threads from this file (threaded-vm.js). */
export const SDK_WORKFLOW_THREAD = require.resolve('@temporalio/worker/lib/workflow/workflow-worker-thread');

/**
 * What each workflow thread loads first when stack traces are off (the reason is in the file). By
 * way of `../worker/`: this module also runs bundled as dist/worker.mjs (worker/build.ts).
 */
export const THREAD_PRELOAD = fileURLToPath(new URL('../worker/workflow-thread-preload.cjs', import.meta.url));

/** The stack-trace setting of the `Worker.create` call under way, so concurrent creates keep theirs. */
const setting = new AsyncLocalStorage<{ stackTraces: boolean }>();
let wrapped = false;

/**
 * Runs `create` (a `Worker.create`) so that the SDK's workflow threads it starts record no promise
 * stack traces when `stackTraces` is false. Those traces answer the stack trace query (the Temporal
 * UI's "Stack Trace" tab) and cost a captured, source-mapped stack for every promise created in
 * workflow code: 40% of the workflow threads' CPU in a 2,000-item loop here (README, Performance).
 *
 * The SDK has no option for it, so the threads it starts get `--require THREAD_PRELOAD`: `Worker`
 * of `node:worker_threads` (which the SDK reads at each `new Worker`) is wrapped once per process,
 * and only threads of `SDK_WORKFLOW_THREAD` started inside `create` with stack traces off get it.
 */
export function withWorkflowThreads<T>(o: { stackTraces: boolean }, create: () => Promise<T>): Promise<T> {
  if (!wrapped) wrapWorkerThreads();
  return setting.run({ stackTraces: o.stackTraces }, create);
}

/**
 * The options a thread of `filename` starts with, inside the `withWorkflowThreads` call under way:
 * the SDK's workflow threads with stack traces off get the preload, every other thread `options`.
 */
export function workflowThreadOptions(
  filename: string | URL,
  options?: workerThreads.WorkerOptions,
): workerThreads.WorkerOptions | undefined {
  if (setting.getStore()?.stackTraces !== false || String(filename) !== SDK_WORKFLOW_THREAD) return options;
  // An explicit execArgv replaces the inherited one, which the SDK's thread does not need (it runs
  // plain JavaScript: no tsx; V8 flags stay process-wide).
  return { ...options, execArgv: ['--require', THREAD_PRELOAD] };
}

function wrapWorkerThreads(): void {
  wrapped = true;
  class Thread extends workerThreads.Worker {
    constructor(filename: string | URL, options?: workerThreads.WorkerOptions) {
      super(filename, workflowThreadOptions(filename, options));
    }
  }
  workerThreads.Worker = Thread;
}
