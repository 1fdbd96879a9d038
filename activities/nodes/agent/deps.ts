import type { AgentCallBase, AgentEventSink } from '../../../flow/index.js';
import type { Logger, Sql } from '../../../infra/index.js';
import type { NetGuard } from '../../net-guard.js';

/** How often an agent call heartbeats while it waits (a model may think long before its first token). */
export const AGENT_HEARTBEAT_MS = 2_000;

export interface AgentActivityDeps {
  sql: Sql;
  logger: Logger;
  /** The worker's outbound guard (the http and llm nodes' own): one set of rules, one connection pool. */
  netGuard: NetGuard;
  env: NodeJS.ProcessEnv;
  publisher: AgentEventSink;
}

/** Keys one call's events and its Idempotency-Key: the node, the loop item and the call's sequence number. */
export function callKey(input: AgentCallBase): string {
  return `${input.nodeId}:${input.itemIndex ?? ''}:c${input.call}`;
}
