export {
  INTERCEPTORS_PATH,
  WORKFLOWS_PATH,
  bundleWorkflows,
  cachedWorkflowBundle,
  workflowSourceHash,
} from './bundle.js';
export type { CachedBundle } from './bundle.js';
export { createReplayer, SILENT_EVENT_SINKS } from './replay.js';
export type { ReplayResult } from './replay.js';
