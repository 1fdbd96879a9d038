import type { FlowDefinition, GraphDef } from './schema.js';

export type RunStatus = 'running' | 'waiting' | 'completed' | 'failed' | 'cancelled';
export type NodeStatus =
  'pending' | 'running' | 'retrying' | 'waiting' | 'completed' | 'failed' | 'skipped' | 'cancelled';

export const EVENT_TYPES = [
  'run.started',
  'node.started',
  'node.progress',
  'node.token',
  'node.retrying',
  'node.completed',
  'node.failed',
  'node.skipped',
  'node.waiting',
  'node.cancelled',
  'run.completed',
  'run.failed',
  'run.cancelled',
] as const;
export type EventType = (typeof EVENT_TYPES)[number];
/** The node status an event announces (node.progress and node.token announce none). */
export const NODE_STATUS_BY_EVENT: Partial<Record<string, NodeStatus>> = {
  'node.started': 'running',
  'node.retrying': 'retrying',
  'node.completed': 'completed',
  'node.failed': 'failed',
  'node.skipped': 'skipped',
  'node.waiting': 'waiting',
  'node.cancelled': 'cancelled',
};
export const TERMINAL_RUN_EVENTS: readonly EventType[] = ['run.completed', 'run.failed', 'run.cancelled'];

/** An event before the log numbers it. `key` makes writing it idempotent (retried writers). */
export interface EventDraft {
  type: EventType;
  key: string;
  nodeId?: string;
  attempt?: number;
  ts: string;
  data?: Record<string, unknown>;
}

export interface NodeError {
  message: string;
  type?: string;
}

export interface NodeState {
  status: NodeStatus;
  attempts: number;
  output?: unknown;
  error?: NodeError;
  reused?: boolean;
  startedAt?: string;
  endedAt?: string;
}

export interface RunState {
  runId: string;
  flowId: string;
  flowName: string;
  flowVersion: number;
  status: RunStatus;
  nodes: Record<string, NodeState>;
  outputs: Record<string, unknown>;
  error?: NodeError & { nodeId?: string };
}

/** A stored flow version resolved at run start, so every subflow and loop body of a run is pinned. */
export interface PinnedFlow {
  flowId: string;
  name: string;
  version: number;
  definition: FlowDefinition;
}

export type RunOrigin = 'api' | 'webhook' | 'cli' | 'rerun' | 'subflow' | 'schedule';

export interface RunFlowInput {
  runId: string;
  flow: PinnedFlow;
  inputs: Record<string, unknown>;
  /** Other flows this run may start (subflows, loop bodies), by name. */
  library: Record<string, PinnedFlow>;
  priority?: number;
  fairnessKey?: string;
  origin: RunOrigin;
  /** Outputs of nodes that a re-run takes from an earlier run instead of executing them. */
  reuse?: Record<string, { output: unknown; attempts: number }>;
  rerunOf?: string;
  fromNode?: string;
  /** Children (loop items) publish no per-node events. */
  quiet?: boolean;
  parent?: { runId: string; nodeId: string };
}

export interface RunLoopInput {
  runId: string;
  nodeId: string;
  body: GraphDef;
  items: ItemsSource;
  offset: number;
  count: number;
  concurrency: number;
  library: Record<string, PinnedFlow>;
  priority?: number;
  fairnessKey?: string;
}

/** Loop items inline, or stored as a blob (large item lists never enter history whole). */
export type ItemsSource = { items: unknown[] } | { ref: BlobRef };

export interface BlobRef {
  $tempoflowBlob: string;
  size: number;
}

export function isBlobRef(value: unknown): value is BlobRef {
  return typeof value === 'object' && value !== null && typeof (value as BlobRef).$tempoflowBlob === 'string';
}

/** Input of every node activity. Params are unresolved: placeholders and secrets resolve inside the activity. */
export interface NodeActivityInput {
  runId: string;
  nodeId: string;
  type: string;
  params: Record<string, unknown>;
  /** Values placeholders may name: `inputs` and the outputs (or blob refs) of referenced ancestors. */
  scope: Record<string, unknown>;
  maximumAttempts: number;
  /** Distinguishes loop items in idempotency keys and event keys. */
  itemIndex?: number;
  quiet?: boolean;
  /** Node attempts already made by earlier schedules of this node (ones whose worker was lost); 0 when absent. */
  attemptBase?: number;
  /** The run's events the workflow has not written yet: the activity writes them before its own. */
  events?: EventDraft[];
  /**
   * Run ahead of its turn (a pure chain, see PureChainInput): its events are returned, not written,
   * and the workflow writes them only if it takes the result when the node's turn comes.
   */
  speculative?: boolean;
}

/**
 * A pure node (`head`) and the pure nodes that can only follow it (each the single successor of the
 * one before, with a single input): one local activity runs them in order, so a chain of N pure
 * nodes costs one workflow-task round trip instead of N. `ahead` names the earlier chain nodes
 * whose outputs a follower's scope takes (the workflow could not know them yet).
 */
export interface PureChainInput {
  head: NodeActivityInput;
  followers: (NodeActivityInput & { ahead: string[] })[];
}

export interface PureChainResult {
  head: NodeActivityResult;
  /** The followers that succeeded, in order, up to the first that did not (it runs again in its turn). */
  followers: (NodeActivityResult & { nodeId: string })[];
}

export interface NodeActivityResult {
  output: unknown;
  attempt: number;
  /** This attempt's events that Postgres did not take in time; the workflow writes them for it. */
  events?: EventDraft[];
}

/** What every node activity heartbeats: the workflow reads it from a heartbeat timeout to know which attempt was lost. */
export interface NodeHeartbeat {
  attempt: number;
  details?: unknown;
}

export const DEFAULT_PRIORITY = 3;

/** Names of the workflow's handlers, shared with the API (which must not import workflow code). */
export const WORKFLOW_TYPE = 'runFlow';
export const STATE_QUERY = 'state';
export const APPROVE_UPDATE = 'approve';
