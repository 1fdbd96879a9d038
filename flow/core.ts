// What the workflow sandbox imports from flow/: everything that needs no zod. Each cached workflow
// instantiates its own copy of every module it imports, and zod with the flow schemas costs ~1.4 MiB
// per cached run (README, Performance). Lint keeps workflows/ to this file; validation stays in
// flow/validate.ts, which the workflow loads only when a resolved placeholder must be checked.
export * from './graph.js';
export * from './placeholders.js';
export * from './duration.js';
export * from './run-types.js';
export * from './run-ids.js';
export * from './agent-tools.js';
export * from './kinds/runs-in.js';
export type { NodeDef, EdgeDef, GraphDef, FlowDefinition, RetryDef } from './schema.js';
export type { AgentChatMessage, AgentOutput, AgentUsage, RunAgentInput, AgentTool } from './agent-types.js';
