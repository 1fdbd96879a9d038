import {
  ActivityCancellationType,
  ActivityFailure,
  ApplicationFailure,
  CancellationScope,
  condition,
  executeChild,
  isCancellation,
  patched,
  proxyActivities,
  sleep,
  TimeoutFailure,
  type ActivityOptions,
} from '@temporalio/workflow';
import {
  DEFAULT_PRIORITY,
  FLOW_ID_KEY as FLOW_ID,
  FLOW_NAME_KEY as FLOW_NAME,
  FLOW_VERSION_KEY as FLOW_VERSION,
  ancestors,
  buildGraph,
  checkResolvedParams,
  descendants,
  edgeBranch,
  findPlaceholders,
  getPath,
  isBlobRef,
  parseDuration,
  readiness,
  resolvePlaceholders,
  type EdgeDef,
  type EdgeState,
  type GraphDef,
  type NodeActivityInput,
  type NodeActivityResult,
  type NodeDef,
  type NodeError,
  type NodeHeartbeat,
  type NodeState,
  type PinnedFlow,
  type RunFlowInput,
  type RunLoopInput,
  type RunState,
  type RunAgentInput,
} from '../flow/index.js';
import { TimeoutType } from '@temporalio/common';
import type { Activities } from '../activities/index.js';
import { WORKFLOW_ERRORS, type ApprovalDecision } from './definitions.js';
import type { Outbox } from './outbox.js';

export interface InterpretOptions {
  runId: string;
  graph: GraphDef;
  inputs: Record<string, unknown>;
  library: Record<string, PinnedFlow>;
  priority?: number;
  fairnessKey?: string;
  outbox: Outbox;
  /** Set for a loop item: keys activity ids and idempotency keys, silences per-node events. */
  itemIndex?: number;
  reuse?: RunFlowInput['reuse'];
  /** Approval decisions, filled by the update handler of runFlow. */
  decisions?: Map<string, ApprovalDecision>;
  onChange?: () => void;
}

export interface InterpretResult {
  status: 'completed' | 'failed' | 'cancelled';
  nodes: Record<string, NodeState>;
  outputs: Record<string, unknown>;
  error?: RunState['error'];
}

type Lookup = (
  root: string,
  path: (string | number)[],
) => { found: true; value: unknown } | { found: false; reason: string };

const DEFAULT_TIMEOUT = '10m';
const DEFAULT_RETRY = { maximumAttempts: 3, initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '1m' };
/** Every node activity heartbeats (the shared activity middleware); this long without one means its worker is gone. */
const NODE_HEARTBEAT_TIMEOUT = '10s';
/** Attempts of one node lost with their worker before the node fails (they do not spend its retries). */
export const WORKER_LOST_MAX = 25;
/** The server hands a heartbeat timeout to the workflow instead of retrying it (see activity()). */
const HEARTBEAT_TIMEOUT_TYPE = 'TemporalTimeout:Heartbeat';

/**
 * Interprets one graph. Each node has its own state and output slot; a node starts as soon as every
 * incoming edge is settled and at least one is live, so there is no layer barrier between branches.
 * Everything here is deterministic: ordering derives from the definition and from history.
 */
export class GraphRun {
  readonly graph;
  readonly states = new Map<string, NodeState>();
  private readonly outputs = new Map<string, unknown>();
  private readonly conditionValues = new Map<string, boolean>();
  private readonly running = new Set<string>();
  /** One scope for every node of this graph: a fatal failure cancels all running nodes at once. */
  private readonly nodesScope = new CancellationScope();
  private readonly ancestorCache = new Map<string, Set<string>>();
  private fatal: RunState['error'] | undefined;

  constructor(private readonly o: InterpretOptions) {
    this.graph = buildGraph(o.graph);
    for (const id of this.graph.order) this.states.set(id, { status: 'pending', attempts: 0 });
  }

  get quiet(): boolean {
    return this.o.itemIndex !== undefined;
  }

  snapshot(): Pick<InterpretResult, 'nodes' | 'outputs'> {
    return { nodes: Object.fromEntries(this.states), outputs: this.runOutputs() };
  }

  isWaiting(nodeId: string): boolean {
    return this.states.get(nodeId)?.status === 'waiting';
  }

  anyWaiting(): boolean {
    return [...this.states.values()].some((s) => s.status === 'waiting');
  }

  anyRunning(): boolean {
    return [...this.states.values()].some((s) => s.status === 'running' || s.status === 'retrying');
  }

  async run(): Promise<InterpretResult> {
    for (const [id, reused] of Object.entries(this.o.reuse ?? {})) {
      if (!this.states.has(id)) continue;
      this.outputs.set(id, reused.output);
      this.recordCondition(id, reused.output);
      this.set(id, { status: 'completed', attempts: reused.attempts, output: reused.output, reused: true });
      this.event('node.completed', id, { reused: true });
    }
    // Pump inside the nodes' scope: every node started from here on (in callbacks too) belongs to it.
    void this.nodesScope.run(async () => this.pump(this.graph.order));
    try {
      await condition(() => this.running.size === 0 || this.fatal !== undefined);
      if (this.fatal) {
        this.nodesScope.cancel();
        await condition(() => this.running.size === 0);
      }
    } catch (err) {
      if (!isCancellation(err)) throw err;
      // The run was cancelled: let every node settle as cancelled before reporting.
      await CancellationScope.nonCancellable(() => condition(() => this.running.size === 0));
      for (const [id, s] of this.states) if (s.status === 'pending') this.set(id, { ...s, status: 'cancelled' });
      return { status: 'cancelled', ...this.snapshot() };
    }
    if (this.fatal) {
      for (const [id, s] of this.states) if (s.status === 'pending') this.set(id, { ...s, status: 'cancelled' });
      return { status: 'failed', ...this.snapshot(), error: this.fatal };
    }
    return { status: 'completed', ...this.snapshot() };
  }

  private runOutputs(): Record<string, unknown> {
    const outputs: Record<string, unknown> = {};
    for (const id of this.graph.order) {
      const node = this.graph.nodes.get(id)!;
      if (node.type === 'output' && this.states.get(id)!.status === 'completed') {
        outputs[typeof node.params?.name === 'string' ? node.params.name : id] = this.outputs.get(id);
      }
    }
    return outputs;
  }

  private set(id: string, state: NodeState): void {
    this.states.set(id, state);
    this.o.onChange?.();
  }

  private event(
    type: Parameters<Outbox['emit']>[0],
    nodeId: string,
    data?: Record<string, unknown>,
    attempt?: number,
  ): void {
    if (this.quiet) return;
    this.o.outbox.emit(type, `${type}:${nodeId}`, { nodeId, attempt, data });
  }

  private edgeState(edge: EdgeDef): EdgeState {
    const source = this.states.get(edge.source)!;
    if (source.status === 'completed') {
      const branch = edgeBranch(edge, this.graph.nodes.get(edge.source));
      if (branch === undefined) return 'live';
      return this.conditionValues.get(edge.source) === (branch === 'true') ? 'live' : 'dead';
    }
    if (source.status === 'skipped' || source.status === 'failed' || source.status === 'cancelled') return 'dead';
    return 'waiting';
  }

  /** Starts or skips every pending node among `candidates` (and what a skip unblocks). */
  private pump(candidates: Iterable<string>): void {
    const work = [...candidates];
    while (work.length > 0 && !this.fatal) {
      const id = work.shift()!;
      const state = this.states.get(id)!;
      if (state.status !== 'pending') continue;
      const verdict = readiness(this.graph.incoming.get(id)!.map((e) => this.edgeState(e)));
      if (verdict === 'skip') {
        this.set(id, { ...state, status: 'skipped' });
        this.event('node.skipped', id);
        work.push(...this.graph.outgoing.get(id)!.map((e) => e.target));
      } else if (verdict === 'run') {
        this.start(id);
      }
    }
  }

  /** Starts a node with as few promises as possible: the workflow sandbox records a stack trace for each. */
  private start(id: string): void {
    const node = this.graph.nodes.get(id)!;
    const startedAt = new Date().toISOString();
    this.set(id, { status: 'running', attempts: 1, startedAt });
    this.running.add(id);
    const settle = () => {
      this.running.delete(id);
      if (!this.fatal) this.pump(this.graph.outgoing.get(id)!.map((e) => e.target));
    };
    let pending: Promise<NodeActivityResult>;
    try {
      pending = this.execute(node);
    } catch (err) {
      pending = Promise.reject(err);
    }
    pending.then(
      ({ output, attempt }) => {
        this.outputs.set(id, output);
        this.recordCondition(id, output);
        this.set(id, { status: 'completed', attempts: attempt, output, startedAt, endedAt: new Date().toISOString() });
        settle();
      },
      (err: unknown) => {
        this.onNodeError(node, startedAt, err);
        settle();
      },
    );
  }

  private recordCondition(id: string, output: unknown): void {
    if (this.graph.nodes.get(id)?.type === 'condition')
      this.conditionValues.set(id, (output as { value?: unknown })?.value === true);
  }

  private onNodeError(node: NodeDef, startedAt: string, err: unknown): void {
    const endedAt = new Date().toISOString();
    const prev = this.states.get(node.id)!;
    if (isCancellation(err)) {
      this.set(node.id, { ...prev, status: 'cancelled', endedAt });
      this.event('node.cancelled', node.id);
      return;
    }
    const { error, attempts } = describeError(err, prev.attempts);
    this.set(node.id, { status: 'failed', attempts, error, startedAt, endedAt });
    this.event('node.failed', node.id, { error }, attempts);
    if (node.onError === 'continue') {
      for (const d of descendants(this.graph, node.id)) {
        const s = this.states.get(d)!;
        if (s.status !== 'pending') continue;
        this.set(d, { ...s, status: 'skipped' });
        this.event('node.skipped', d, { reason: `${node.id} failed` });
      }
    } else if (!this.fatal) {
      this.fatal = { ...error, nodeId: node.id };
    }
  }

  // ---- node execution -------------------------------------------------------------------------

  private execute(node: NodeDef): Promise<NodeActivityResult> {
    const params = this.effectiveParams(node);
    switch (node.type) {
      case 'input': {
        const name = typeof params.name === 'string' ? params.name : undefined;
        const value = name === undefined ? this.o.inputs : this.o.inputs[name];
        this.event('node.started', node.id, undefined, 1);
        this.event('node.completed', node.id, undefined, 1);
        return Promise.resolve({ output: value === undefined ? (params.default ?? null) : value, attempt: 1 });
      }
      case 'output':
      case 'template': {
        const inline = this.tryResolve(params);
        if (inline.ok) {
          this.event('node.started', node.id, undefined, 1);
          this.event('node.completed', node.id, undefined, 1);
          const output =
            node.type === 'template'
              ? String((inline.value as { template?: unknown }).template ?? '')
              : ((inline.value as { value?: unknown }).value ?? null);
          return Promise.resolve({ output, attempt: 1 });
        }
        return this.activity(node, params);
      }
      case 'delay':
        return this.delay(node, params);
      case 'approval':
        return this.approval(node, params);
      case 'subflow':
        return this.subflow(node, params);
      case 'loop':
        return this.loop(node, params);
      case 'agent':
        return this.agent(node, params);
      default:
        return this.activity(node, params);
    }
  }

  /** Params with `targetHandle` edges filled in as whole placeholders (so values keep their type). */
  private effectiveParams(node: NodeDef): Record<string, unknown> {
    const params: Record<string, unknown> = { ...(node.params ?? {}) };
    for (const edge of this.graph.incoming.get(node.id)!) {
      if (edge.targetHandle && this.edgeState(edge) === 'live') params[edge.targetHandle] = `{{${edge.source}}}`;
    }
    return params;
  }

  private lookup: Lookup = (root, path) => {
    if (root === 'secrets') return { found: false, reason: 'secrets resolve only inside activities' };
    let value: unknown = root === 'inputs' ? this.o.inputs : this.outputs.get(root);
    if (root !== 'inputs' && !this.outputs.has(root)) return { found: true, value: undefined };
    for (const key of path) {
      if (isBlobRef(value)) return { found: false, reason: 'value is stored outside history' };
      value = getPath(value, [key]);
    }
    if (isBlobRef(value)) return { found: false, reason: 'value is stored outside history' };
    return { found: true, value };
  };

  private tryResolve(params: Record<string, unknown>): { ok: true; value: Record<string, unknown> } | { ok: false } {
    try {
      return {
        ok: true,
        value: resolvePlaceholders(params, (ref) => this.lookup(ref.root, ref.path)) as Record<string, unknown>,
      };
    } catch {
      return { ok: false };
    }
  }

  /** Resolves params of a workflow-run node, asking an activity when a value lives in a blob. */
  private async resolveForWorkflow(node: NodeDef, params: Record<string, unknown>): Promise<Record<string, unknown>> {
    const inline = this.tryResolve(params);
    if (inline.ok) return inline.value;
    const { resolveParams } = proxyActivities<Activities>({
      startToCloseTimeout: '1m',
      retry: DEFAULT_RETRY,
      summary: `${node.id} · resolve params`,
    });
    return resolveParams(this.activityInput(node, params));
  }

  private scopeFor(node: NodeDef, params: Record<string, unknown>): Record<string, unknown> {
    const roots = new Set(findPlaceholders(params).map((r) => r.root));
    if (node.type === 'transform' || node.type === 'condition') {
      const expression = String(params.expression ?? '');
      for (const id of this.ancestorsOf(node.id)) if (expression.includes(id)) roots.add(id);
    }
    const scope: Record<string, unknown> = { inputs: this.o.inputs };
    for (const root of roots) if (this.outputs.has(root)) scope[root] = this.outputs.get(root);
    return scope;
  }

  private ancestorsOf(id: string): Set<string> {
    let set = this.ancestorCache.get(id);
    if (!set) this.ancestorCache.set(id, (set = ancestors(this.graph, id)));
    return set;
  }

  private activityInput(node: NodeDef, params: Record<string, unknown>): NodeActivityInput {
    return {
      runId: this.o.runId,
      nodeId: node.id,
      type: node.type,
      params,
      scope: this.scopeFor(node, params),
      maximumAttempts: node.retry?.maximumAttempts ?? DEFAULT_RETRY.maximumAttempts,
      itemIndex: this.o.itemIndex,
      quiet: this.quiet,
    };
  }

  private activityOptions(node: NodeDef, maximumAttempts: number): ActivityOptions {
    const retry = { ...DEFAULT_RETRY, ...node.retry };
    return {
      activityId: this.o.itemIndex === undefined ? node.id : `${this.o.itemIndex}.${node.id}`,
      summary: `${node.id} · ${node.type}`,
      startToCloseTimeout: node.timeout ?? DEFAULT_TIMEOUT,
      heartbeatTimeout: NODE_HEARTBEAT_TIMEOUT,
      retry: {
        ...retry,
        maximumAttempts: maximumAttempts === 0 ? undefined : maximumAttempts,
        nonRetryableErrorTypes: [...(retry.nonRetryableErrorTypes ?? []), HEARTBEAT_TIMEOUT_TYPE],
      },
      // Without a node priority, the activity inherits the run's priority and fairness key.
      ...(node.priority !== undefined
        ? { priority: { priorityKey: node.priority, fairnessKey: this.o.fairnessKey } }
        : {}),
      // Wait for the activity to acknowledge, so no node event can land after the run's terminal event.
      cancellationType: ActivityCancellationType.WAIT_CANCELLATION_COMPLETED,
    };
  }

  /**
   * Runs a node activity. The server retries the node's own errors under its retry policy; a
   * heartbeat timeout (the worker running the attempt was lost) is not retried there but comes back
   * here, and the node is scheduled again with the attempts its own errors spent so far: a lost
   * worker never spends `maximumAttempts`. At most WORKER_LOST_MAX attempts of a node may be lost.
   */
  private async activity(node: NodeDef, params: Record<string, unknown>): Promise<NodeActivityResult> {
    const maximum = node.retry?.maximumAttempts ?? DEFAULT_RETRY.maximumAttempts;
    const input = this.activityInput(node, params);
    let attemptBase = 0;
    let ownFailures = 0;
    for (let lost = 0; ;) {
      const remaining = maximum === 0 ? 0 : maximum - ownFailures;
      const activities = proxyActivities<Activities>(this.activityOptions(node, remaining));
      const run = activities[node.type as 'echo'] as (input: NodeActivityInput) => Promise<NodeActivityResult>;
      try {
        const result = await run(
          attemptBase === 0
            ? { ...input, maximumAttempts: remaining }
            : { ...input, maximumAttempts: remaining, attemptBase },
        );
        if (result.events && !this.quiet) this.o.outbox.write(result.events);
        return result;
      } catch (err) {
        const lostAttempt = workerLostAttempt(err, attemptBase);
        // Histories recorded before this change failed the node here; replaying them must still do so.
        if (lostAttempt === undefined || !patched('worker-lost-retry')) throw err;
        lost += 1;
        if (lost > WORKER_LOST_MAX)
          throw ApplicationFailure.nonRetryable(
            `${node.id}: its worker was lost ${lost} times (attempt ${lostAttempt} last); giving up`,
            WORKFLOW_ERRORS.WorkerLost,
          );
        ownFailures += lostAttempt - attemptBase - 1;
        attemptBase = lostAttempt;
        this.set(node.id, { ...this.states.get(node.id)!, status: 'retrying', attempts: lostAttempt });
        if (!this.quiet)
          this.o.outbox.emit('node.retrying', `node.retrying:${node.id}:worker-lost:${lostAttempt}`, {
            nodeId: node.id,
            attempt: lostAttempt,
            data: {
              reason: 'worker-lost',
              lost,
              error: { message: 'the worker running this attempt was lost (heartbeat timeout)', type: 'WorkerLost' },
            },
          });
      }
    }
  }

  private async delay(node: NodeDef, params: Record<string, unknown>): Promise<NodeActivityResult> {
    const resolved = this.checkParams(node, await this.resolveForWorkflow(node, params));
    const ms = parseDuration(String(resolved.duration));
    if (ms === undefined)
      throw ApplicationFailure.nonRetryable(
        `${node.id}: duration "${String(resolved.duration)}" is not a duration`,
        WORKFLOW_ERRORS.InvalidParams,
      );
    this.event('node.started', node.id, { durationMs: ms }, 1);
    await sleep(ms, { summary: `${node.id} · delay ${String(resolved.duration)}` });
    this.event('node.completed', node.id, undefined, 1);
    return { output: null, attempt: 1 };
  }

  private async approval(node: NodeDef, params: Record<string, unknown>): Promise<NodeActivityResult> {
    const decisions = this.o.decisions;
    if (!decisions)
      throw ApplicationFailure.nonRetryable(
        `${node.id}: approvals are not supported inside loop bodies`,
        WORKFLOW_ERRORS.InvalidParams,
      );
    // Inline resolution only: it schedules nothing, so histories of existing runs replay unchanged.
    const inline = this.tryResolve(params);
    if (inline.ok) params = this.checkParams(node, inline.value);
    const timeout = typeof params.timeout === 'string' ? params.timeout : undefined;
    const prev = this.states.get(node.id)!;
    this.set(node.id, { ...prev, status: 'waiting' });
    this.event('node.waiting', node.id, { message: params.message ?? null, timeout: timeout ?? null });
    const summary = { summary: `${node.id} · approval` };
    const decided = timeout
      ? await condition(() => decisions.has(node.id), timeout, summary)
      : (await condition(() => decisions.has(node.id)), true);
    this.set(node.id, { ...this.states.get(node.id)!, status: 'running' });
    if (!decided)
      throw ApplicationFailure.nonRetryable(
        `approval "${node.id}" timed out after ${timeout}`,
        WORKFLOW_ERRORS.ApprovalTimedOut,
      );
    const decision = decisions.get(node.id)!;
    this.event('node.completed', node.id, { approved: decision.approved }, 1);
    return { output: decision, attempt: 1 };
  }

  /** Params after resolution must fit the node type, with the messages of save time (no command is scheduled). */
  private checkParams(node: NodeDef, resolved: Record<string, unknown>): Record<string, unknown> {
    const invalid = checkResolvedParams(node.type, resolved);
    if (invalid) throw ApplicationFailure.nonRetryable(invalid, WORKFLOW_ERRORS.InvalidParams);
    return resolved;
  }

  private pinned(name: string, nodeId: string): PinnedFlow {
    const flow = this.o.library[name];
    if (!flow)
      throw ApplicationFailure.nonRetryable(
        `${nodeId}: flow "${name}" was not resolved when the run started`,
        WORKFLOW_ERRORS.UnknownFlow,
      );
    return flow;
  }

  private childPrefix(node: NodeDef): string {
    return this.o.itemIndex === undefined
      ? `${this.o.runId}.${node.id}`
      : `${this.o.runId}.${this.o.itemIndex}.${node.id}`;
  }

  private async subflow(node: NodeDef, params: Record<string, unknown>): Promise<NodeActivityResult> {
    const resolved = this.checkParams(node, await this.resolveForWorkflow(node, params));
    const flow = this.pinned(String(resolved.flow), node.id);
    const runId = this.childPrefix(node);
    this.event('node.started', node.id, { childRunId: runId }, 1);
    const result = await executeChild('runFlow', {
      workflowId: `run-${runId}`,
      args: [
        {
          runId,
          flow,
          inputs: (resolved.inputs ?? {}) as Record<string, unknown>,
          library: this.o.library,
          priority: node.priority ?? this.o.priority,
          fairnessKey: this.o.fairnessKey,
          origin: 'subflow',
          parent: { runId: this.o.runId, nodeId: node.id },
          quiet: this.quiet,
        } satisfies RunFlowInput,
      ],
      staticSummary: `${node.id} · subflow ${flow.name} v${flow.version}`,
      typedSearchAttributes: [
        { key: FLOW_ID, value: flow.flowId },
        { key: FLOW_NAME, value: flow.name },
        { key: FLOW_VERSION, value: flow.version },
      ],
      memo: { origin: 'subflow', parentRunId: this.o.runId },
      priority: { priorityKey: node.priority ?? this.o.priority ?? DEFAULT_PRIORITY, fairnessKey: this.o.fairnessKey },
    });
    const outputs = (result as RunState).outputs;
    this.event('node.completed', node.id, undefined, 1);
    return { output: outputs, attempt: 1 };
  }

  /** The agent's loop runs as a child workflow (its own bounded history); tools and key resolve in its activities. */
  private async agent(node: NodeDef, params: Record<string, unknown>): Promise<NodeActivityResult> {
    const { tools, apiKey, ...rest } = params;
    const resolved = await this.resolveForWorkflow(node, rest);
    this.event('node.started', node.id, undefined, 1);
    const output = await executeChild('runAgent', {
      workflowId: `agent-${this.childPrefix(node)}`,
      args: [
        {
          runId: this.o.runId,
          nodeId: node.id,
          itemIndex: this.o.itemIndex,
          quiet: this.quiet,
          params: {
            ...resolved,
            ...(tools ? { tools } : {}),
            ...(apiKey ? { apiKey } : {}),
          } as RunAgentInput['params'],
          retry: node.retry,
          timeout: node.timeout,
          priority: node.priority,
          fairnessKey: this.o.fairnessKey,
        } satisfies RunAgentInput,
      ],
      staticSummary: `${node.id} · agent`,
      priority: { priorityKey: node.priority ?? this.o.priority ?? DEFAULT_PRIORITY, fairnessKey: this.o.fairnessKey },
    });
    this.event('node.completed', node.id, undefined, 1);
    return { output, attempt: 1 };
  }

  private async loop(node: NodeDef, params: Record<string, unknown>): Promise<NodeActivityResult> {
    const { body: rawBody, ...rest } = params;
    const resolved = await this.resolveForWorkflow(node, rest);
    this.checkParams(node, { ...resolved, body: rawBody });
    const body = typeof rawBody === 'string' ? this.pinned(rawBody, node.id).definition : (rawBody as GraphDef);
    let items: RunLoopInput['items'];
    let count: number;
    if (Array.isArray(resolved.items)) {
      items = { items: resolved.items };
      count = resolved.items.length;
    } else {
      const { loopItems } = proxyActivities<Activities>({
        startToCloseTimeout: '2m',
        retry: DEFAULT_RETRY,
        summary: `${node.id} · loop items`,
      });
      const parsed = await loopItems(this.activityInput(node, { items: params.items }));
      items = parsed.source;
      count = parsed.count;
    }
    const concurrency = typeof resolved.concurrency === 'number' ? resolved.concurrency : 10;
    this.event('node.started', node.id, { items: count, concurrency }, 1);
    const output =
      count === 0
        ? []
        : await executeChild('runLoop', {
            workflowId: `loop-${this.childPrefix(node)}-0-${count}`,
            args: [
              {
                runId: this.o.runId,
                nodeId: node.id,
                body,
                items,
                offset: 0,
                count,
                concurrency,
                library: this.o.library,
                priority: node.priority ?? this.o.priority,
                fairnessKey: this.o.fairnessKey,
              } satisfies RunLoopInput,
            ],
            staticSummary: `${node.id} · loop over ${count} items`,
            priority: {
              priorityKey: node.priority ?? this.o.priority ?? DEFAULT_PRIORITY,
              fairnessKey: this.o.fairnessKey,
            },
          });
    this.event('node.completed', node.id, { items: count }, 1);
    return { output, attempt: 1 };
  }
}

/**
 * The node attempt an activity failure lost with its worker (a heartbeat timeout), from the last
 * heartbeat, which names it; undefined for any other failure.
 */
function workerLostAttempt(err: unknown, attemptBase: number): number | undefined {
  if (!(err instanceof ActivityFailure)) return undefined;
  const cause = err.cause;
  if (!(cause instanceof TimeoutFailure) || cause.timeoutType !== TimeoutType.HEARTBEAT) return undefined;
  const beat = cause.lastHeartbeatDetails as NodeHeartbeat | undefined;
  // No heartbeat yet: the first attempt of this schedule was lost before it could send one.
  return typeof beat?.attempt === 'number' && beat.attempt > attemptBase ? beat.attempt : attemptBase + 1;
}

/** The message, type and attempt count of a node failure (activity, child or workflow-side). */
export function describeError(err: unknown, fallbackAttempts: number): { error: NodeError; attempts: number } {
  let cause: unknown = err;
  while (cause && typeof cause === 'object' && 'cause' in cause && (cause as { cause?: unknown }).cause) {
    const next = (cause as { cause: unknown }).cause;
    if ((cause as Error).name === 'ApplicationFailure' && !(next as Error)?.name?.includes('Failure')) break;
    cause = next;
  }
  const failure = cause as {
    message?: string;
    type?: string;
    name?: string;
    details?: unknown[];
    timeoutType?: number;
  };
  const details = (failure.details?.[0] ?? {}) as { attempt?: number };
  const type = failure.type ?? (failure.name === 'TimeoutFailure' ? 'Timeout' : failure.name);
  let message = failure.message || 'node failed';
  if (failure.name === 'TimeoutFailure') message = `timed out (${message})`;
  return { error: { message, type }, attempts: details.attempt ?? fallbackAttempts };
}
