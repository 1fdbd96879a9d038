import { CancellationScope, condition, isCancellation } from '@temporalio/workflow';
import { buildGraph, type GraphDef, type NodeState, type RunFlowInput, type RunState } from '../flow/core.js';
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
  /** One scope for every node of this graph: a fatal failure cancels all running nodes at once. */
  private readonly nodesScope = new CancellationScope();

  /** What the node executors see of this run. */
  private readonly context: NodeContext;

  constructor(private readonly options: GraphRunOptions) {
    this.graph = buildGraph(options.graph);
    this.scheduler = new Scheduler({
      graph: this.graph,
      execute: (node) => executeNode(this.context, node),
      announce: (type, nodeId, data, attempt) => this.context.announce(type, nodeId, data, attempt),
      onChange: options.onChange,
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
    void this.nodesScope.run(async () => scheduler.pump());
    // Each wait is also where the outbox learns that an activation has settled (lean runs, see Outbox).
    const { outbox } = this.options;
    const idle = () => {
      outbox.endOfActivation();
      return scheduler.idle;
    };
    try {
      await condition(() => idle() || scheduler.failure !== undefined);
      if (scheduler.failure) {
        this.nodesScope.cancel();
        await condition(idle);
      }
    } catch (err) {
      if (!isCancellation(err)) throw err;
      // The run was cancelled: let every node settle as cancelled before reporting.
      await CancellationScope.nonCancellable(() => condition(idle));
      scheduler.cancelPending();
      return { status: 'cancelled', ...this.snapshot() };
    }
    if (scheduler.failure) {
      scheduler.cancelPending();
      return { status: 'failed', ...this.snapshot(), error: scheduler.failure };
    }
    return { status: 'completed', ...this.snapshot() };
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
