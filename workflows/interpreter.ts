import { CancellationScope, condition, isCancellation } from '@temporalio/workflow';
import {
  buildGraph,
  type Graph,
  type GraphDef,
  type NodeState,
  type RunFlowInput,
  type RunState,
} from '../flow/core.js';
import { NodeContext, type RunIdentity } from './node-context.js';
import { executeNode } from './nodes/index.js';
import { NodeParams } from './params.js';
import { Scheduler } from './scheduler.js';

export type GraphRunOptions = RunIdentity & {
  graph: GraphDef;
  /** Outputs of nodes that a re-run takes from an earlier run instead of executing them. */
  reuse?: RunFlowInput['reuse'];
  /** Called after every change of a node's state. */
  onChange?: () => void;
};

export interface GraphRunResult {
  status: 'completed' | 'failed' | 'cancelled';
  nodes: Record<string, NodeState>;
  outputs: Record<string, unknown>;
  error?: RunState['error'];
}

/**
 * Interprets one graph in a workflow: the Scheduler decides which node runs when, each node kind's
 * executor (workflows/nodes/) runs it, and this class ties them to the workflow's cancellation.
 * Everything here is deterministic: ordering derives from the definition and from history.
 */
export class GraphRun {
  readonly graph;
  private readonly scheduler: Scheduler;
  /**
   * One scope for every node of this graph: a fatal failure cancels all running nodes at once. A
   * lean loop item whose body runs one node at a time has none: nothing else can be running when
   * one fails, and its nodes belong to the loop's scope (a scope is three promises, its `run` three
   * more, for each of 10,000 items).
   */
  private readonly nodesScope: CancellationScope | undefined;
  /** A lean loop item's wait: resolved by the scheduler once the graph is idle or has failed. */
  private wake: (() => void) | undefined;
  private readonly quietItem: boolean;

  /** What the node executors see of this run. */
  private readonly context: NodeContext;

  constructor(private readonly options: GraphRunOptions) {
    this.graph = buildGraph(options.graph);
    this.quietItem = options.lean === true && options.loopItem !== undefined;
    this.nodesScope = this.quietItem && !runsInParallel(this.graph) ? undefined : new CancellationScope();
    this.scheduler = new Scheduler({
      graph: this.graph,
      execute: (node) => executeNode(this.context, node),
      announce: (type, nodeId, data, attempt) => this.context.announce(type, nodeId, data, attempt),
      onChange: options.onChange,
      onSettle: () => {
        if (this.wake && (this.scheduler.idle || this.scheduler.failure)) {
          const wake = this.wake;
          this.wake = undefined;
          wake();
        }
      },
    });
    const params = new NodeParams({
      graph: this.graph,
      inputs: options.inputs,
      outputs: this.scheduler.outputs,
      edgeState: (edge) => this.scheduler.edgeState(edge),
    });
    this.context = new NodeContext(options, params, this.scheduler);
  }

  get states(): ReadonlyMap<string, NodeState> {
    return this.scheduler.states;
  }

  snapshot(): Pick<GraphRunResult, 'nodes' | 'outputs'> {
    return { nodes: Object.fromEntries(this.scheduler.states), outputs: this.runOutputs() };
  }

  isWaiting(nodeId: string): boolean {
    return this.scheduler.states.get(nodeId)?.status === 'waiting';
  }

  /** No node is running (or waiting): the graph has settled, or has not started. */
  get idle(): boolean {
    return this.scheduler.idle;
  }

  anyWaiting(): boolean {
    return [...this.scheduler.states.values()].some((s) => s.status === 'waiting');
  }

  anyRunning(): boolean {
    return [...this.scheduler.states.values()].some((s) => s.status === 'running' || s.status === 'retrying');
  }

  async run(): Promise<GraphRunResult> {
    const scheduler = this.scheduler;
    scheduler.reuse(this.options.reuse ?? {});
    // Pump inside the nodes' scope: every node started from here on (in callbacks too) belongs to it.
    if (this.nodesScope) void this.nodesScope.run(async () => scheduler.pump());
    else scheduler.pump();
    if (this.quietItem) return this.settledItem();
    // Each wait is also where the outbox learns that an activation has settled (lean runs, see Outbox).
    const { outbox } = this.options;
    const idle = () => {
      outbox.endOfActivation();
      return scheduler.idle;
    };
    try {
      await condition(() => idle() || scheduler.failure !== undefined);
      if (scheduler.failure) {
        this.nodesScope?.cancel();
        await condition(idle);
      }
    } catch (err) {
      if (!isCancellation(err)) throw err;
      // The run was cancelled: let every node settle as cancelled before reporting.
      await CancellationScope.nonCancellable(() => condition(idle));
      return this.end('cancelled');
    }
    return this.end(scheduler.failure ? 'failed' : 'completed');
  }

  /**
   * A lean loop item waits for its graph without a condition (three promises, and a predicate the
   * SDK evaluates at every activation for each item in flight): the scheduler wakes it. A loop
   * cancelled meanwhile cancels the item's nodes, which settle, and the item ends cancelled.
   */
  private async settledItem(): Promise<GraphRunResult> {
    const scheduler = this.scheduler;
    if (!scheduler.idle && !scheduler.failure) await new Promise<void>((resolve) => (this.wake = resolve));
    if (scheduler.failure) {
      if (!scheduler.idle) {
        this.nodesScope?.cancel();
        await CancellationScope.nonCancellable(() => condition(() => scheduler.idle));
      }
      return this.end('failed');
    }
    return this.end(CancellationScope.current().consideredCancelled ? 'cancelled' : 'completed');
  }

  /** The graph's result: nodes that never started end as cancelled unless it completed. */
  private end(status: GraphRunResult['status']): GraphRunResult {
    if (status === 'completed') return { status, ...this.snapshot() };
    this.scheduler.cancelPending();
    const error = status === 'failed' ? this.scheduler.failure : undefined;
    return { status, ...this.snapshot(), ...(error ? { error } : {}) };
  }

  /** The run's outputs: each completed `output` node's value, under its `name` (else its id). */
  private runOutputs(): Record<string, unknown> {
    const outputs: Record<string, unknown> = {};
    for (const id of this.graph.order) {
      const node = this.graph.nodes.get(id)!;
      if (node.type === 'output' && this.scheduler.states.get(id)!.status === 'completed') {
        outputs[typeof node.params?.name === 'string' ? node.params.name : id] = this.scheduler.outputs.get(id);
      }
    }
    return outputs;
  }
}

/** Whether two nodes of the graph can ever run at once: more than one root, or a node with two successors. */
function runsInParallel(graph: Graph): boolean {
  let roots = 0;
  for (const id of graph.order) {
    if (graph.outgoing.get(id)!.length > 1) return true;
    if (graph.incoming.get(id)!.length === 0 && ++roots > 1) return true;
  }
  return false;
}
