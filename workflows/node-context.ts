import { ApplicationFailure, proxyActivities } from '@temporalio/workflow';
import {
  DEFAULT_PRIORITY,
  findPlaceholders,
  type EventDraft,
  type EventType,
  type NodeActivityInput,
  type NodeActivityResult,
  type NodeDef,
  type NodeState,
  type PinnedFlow,
  type RunFlowInput,
} from '../flow/core.js';
import type { Activities } from '../activities/index.js';
import type * as Validate from '../flow/validate.js';
import { DEFAULT_RETRY, helperActivityOptions } from './activity-options.js';
import { WORKFLOW_ERRORS, type ApprovalDecision } from './definitions.js';
import type { Outbox } from './outbox.js';
import type { InlineResolution, NodeParams } from './params.js';
import type { Scheduler } from './scheduler.js';

/** The run a graph belongs to, as its node executors see it. */
export type RunIdentity = Pick<RunFlowInput, 'runId' | 'library' | 'priority' | 'fairnessKey'> & {
  inputs: Record<string, unknown>;
  outbox: Outbox;
  /** Set when the graph is a loop body running one item: keys activity and child ids, silences per-node events. */
  loopItem?: number;
  /** Approval decisions, filled by the update handler of runFlow (absent inside loop bodies). */
  decisions?: Map<string, ApprovalDecision>;
  /** `lean-activations` (workflows/engine.ts): nodes done at once complete without a promise. */
  lean?: boolean;
};

/**
 * What every node executor may use: the run it belongs to, its params and states, and the one place
 * that announces the nodes the workflow runs itself (`started` / `completed`).
 */
export class NodeContext {
  /** Results of nodes a pure chain ran ahead of their turn (workflows/nodes/local.ts), each taken once. */
  private readonly ahead = new Map<string, NodeActivityResult>();

  constructor(
    readonly run: RunIdentity,
    readonly params: NodeParams,
    private readonly scheduler: Scheduler,
  ) {}

  /** Loop items publish no per-node events (their loop node reports progress instead). */
  get isLoopItem(): boolean {
    return this.run.loopItem !== undefined;
  }

  state(id: string): NodeState {
    return this.scheduler.state(id);
  }

  setState(id: string, state: NodeState): void {
    this.scheduler.setState(id, state);
  }

  /** Emits a node event keyed `<type>:<nodeId>` (nothing for a loop item). */
  announce(type: EventType, nodeId: string, data?: Record<string, unknown>, attempt?: number): void {
    if (this.isLoopItem) return;
    this.run.outbox.emit(type, `${type}:${nodeId}`, { nodeId, attempt, data });
  }

  /** Emits an event with its own key (nothing for a loop item). */
  emit(type: EventType, key: string, fields: Omit<EventDraft, 'type' | 'key' | 'ts'>): void {
    if (!this.isLoopItem) this.run.outbox.emit(type, key, fields);
  }

  /** `node.started` of a node the workflow runs itself (always its first and only attempt). */
  started(node: NodeDef, data?: Record<string, unknown>): void {
    this.announce('node.started', node.id, data, 1);
  }

  /** `node.completed` of a node the workflow runs itself, and the node's result. */
  completed(node: NodeDef, output: unknown, data?: Record<string, unknown>): NodeActivityResult {
    this.announce('node.completed', node.id, data, 1);
    return { output, attempt: 1 };
  }

  /** The priority of a child workflow a node starts: the node's, else the run's, with the run's fairness key. */
  childPriority(node: NodeDef): { priorityKey: number; fairnessKey?: string } {
    return { priorityKey: node.priority ?? this.run.priority ?? DEFAULT_PRIORITY, fairnessKey: this.run.fairnessKey };
  }

  putAhead(nodeId: string, result: NodeActivityResult): void {
    this.ahead.set(nodeId, result);
  }

  takeAhead(nodeId: string): NodeActivityResult | undefined {
    const result = this.ahead.get(nodeId);
    this.ahead.delete(nodeId);
    return result;
  }

  resolveInline(params: Record<string, unknown>): InlineResolution {
    return this.params.resolveInline(params);
  }

  /** Resolves params of a workflow-run node, asking an activity when a value lives in a blob. */
  async resolveForWorkflow(node: NodeDef, params: Record<string, unknown>): Promise<Record<string, unknown>> {
    const inline = this.params.resolveInline(params);
    if (inline.ok) return inline.value;
    const { resolveParams } = proxyActivities<Activities>(helperActivityOptions(node, 'resolve params', '1m'));
    return resolveParams(this.activityInput(node, params));
  }

  /**
   * Params after resolution must fit the node type, with the messages of save time (no command is
   * scheduled). Params that held no placeholder were checked by the same schema when the flow was
   * saved, so only resolved ones load the validator (zod: ~1.4 MiB in each cached workflow).
   */
  checkParams(node: NodeDef, raw: Record<string, unknown>, resolved: Record<string, unknown>): Record<string, unknown> {
    if (findPlaceholders(raw).length === 0) return resolved;
    const invalid = loadValidator().checkResolvedParams(node.type, resolved);
    if (invalid) throw ApplicationFailure.nonRetryable(invalid, WORKFLOW_ERRORS.InvalidParams);
    return resolved;
  }

  /** A flow the run pinned when it started (subflows and loop bodies name flows). */
  pinned(name: string, nodeId: string): PinnedFlow {
    const flow = this.run.library[name];
    if (!flow)
      throw ApplicationFailure.nonRetryable(
        `${nodeId}: flow "${name}" was not resolved when the run started`,
        WORKFLOW_ERRORS.UnknownFlow,
      );
    return flow;
  }

  /** The run id part of a child workflow a node starts: `<runId>.<nodeId>`, with the loop item's index inside a loop. */
  childPrefix(node: NodeDef): string {
    return this.run.loopItem === undefined
      ? `${this.run.runId}.${node.id}`
      : `${this.run.runId}.${this.run.loopItem}.${node.id}`;
  }

  /** The input of a node activity: unresolved params and the scope they may name. */
  activityInput(node: NodeDef, params: Record<string, unknown>): NodeActivityInput {
    return {
      runId: this.run.runId,
      nodeId: node.id,
      type: node.type,
      params,
      scope: this.params.scope(node, params),
      maximumAttempts: node.retry?.maximumAttempts ?? DEFAULT_RETRY.maximumAttempts,
      itemIndex: this.run.loopItem,
      quiet: this.isLoopItem,
    };
  }
}

/** Runs one node of its kind with its effective params: its output and the attempt that made it. */
export type NodeKindExecutor = (
  ctx: NodeContext,
  node: NodeDef,
  params: Record<string, unknown>,
) => Promise<NodeActivityResult>;

/**
 * flow/validate.ts, evaluated on first use only: a static import would instantiate zod and every
 * flow schema in each workflow the worker caches, though most runs never need them.
 */
function loadValidator(): typeof Validate {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- lazy on purpose (see above)
  return require('../flow/validate.js') as typeof Validate;
}
