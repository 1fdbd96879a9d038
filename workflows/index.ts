export { runFlow } from './run-flow.js';
export { runLoop } from './run-loop.js';
export { runAgent } from './run-agent.js';
export { stateQuery, approveUpdate, WORKFLOW_ERRORS } from './definitions.js';
export type { ApprovalDecision, ApprovalRequest } from './definitions.js';
