export { createWorker, bundleWorkflows, WORKFLOWS_PATH } from './create-worker.js';
export type { CreateWorkerOptions } from './create-worker.js';
export { createReplayer } from './replay.js';
export type { ReplayResult } from './replay.js';
export { cachedWorkflowBundle, workflowSourceHash } from './bundle.js';
