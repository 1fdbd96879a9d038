export { createWorker, bundleWorkflows, WORKFLOWS_PATH, WORKFLOW_BUNDLE_IGNORES } from './create-worker.js';
export type { CreateWorkerOptions } from './create-worker.js';
