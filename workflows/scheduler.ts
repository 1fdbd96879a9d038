import { isCancellation } from '@temporalio/workflow';
import {
  descendants,
  edgeBranch,
  readiness,
  type EdgeDef,
  type EdgeState,
  type EventType,
  type Graph,
  type NodeActivityResult,
  type NodeDef,
  type NodeState,
  type RunState,
} from '../flow/core.js';
import { decodeFailure } from './failures.js';

/**
 * Runs one node: resolves with its output and the attempt that produced it, or rejects with its
 * failure. A node the workflow computes at once may return its result itself (no promise).
 */
export type NodeExecutor = (node: NodeDef) => Promise<NodeActivityResult> | NodeActivityResult;

/** Announces a scheduling decision about a node (the executors announce the rest). */
export type NodeAnnouncer = (type: EventType, nodeId: string, data?: Record<string, unknown>, attempt?: number) => void;

export interface SchedulerOptions {
  graph: Graph;
  execute: NodeExecutor;
  announce: NodeAnnouncer;
  /** Called after every change of a node's state. */
  onChange?: () => void;
  /** Called after a node's execution settled and what it unblocked was started. */
  onSettle?: () => void;
}

/**
 * The states of one graph's nodes and the rules that move them: a node starts as soon as every
 * incoming edge is settled and at least one is live (no layer barrier between branches); a node
 * whose incoming edges are all dead is skipped, and so on downstream. A failed node with
 * `onError: "continue"` skips what depends on it; any other failure is the run's failure, after
 * which nothing new starts. Each node has its own state and output slot.
 *
 * Deterministic: candidates are visited in the graph's topological order and settled nodes in the
 * order their executions settle. It starts nodes through `execute` and never waits itself, so it
 * runs the same inside a workflow and in a unit test.
 */
export class Scheduler {
  readonly states = new Map<string, NodeState>();
  readonly outputs = new Map<string, unknown>();
  private readonly conditionResults = new Map<string, boolean>();
  private readonly running = new Set<string>();
  private fatal: RunState['error'] | undefined;

  constructor(private readonly options: SchedulerOptions) {
    for (const id of options.graph.order) this.states.set(id, { status: 'pending', attempts: 0 });
  }

  get graph(): Graph {
    return this.options.graph;
  }

  /** The failure that ends the run (the first node that failed without `onError: "continue"`). */
  get failure(): RunState['error'] | undefined {
    return this.fatal;
  }

  /** True while no node execution is in flight. */
  get idle(): boolean {
    return this.running.size === 0;
  }

  state(id: string): NodeState {
    return this.states.get(id)!;
  }

  /** Sets a node's state (executors use it for `waiting` and `retrying`). */
  setState(id: string, state: NodeState): void {
    this.states.set(id, state);
    this.options.onChange?.();
  }

  /** Nodes a re-run takes from an earlier run: completed with that run's output, never executed. */
  reuse(reused: Record<string, { output: unknown; attempts: number }>): void {
    for (const [id, { output, attempts }] of Object.entries(reused)) {
      if (!this.states.has(id)) continue;
      this.outputs.set(id, output);
      this.recordCondition(id, output);
      this.setState(id, { status: 'completed', attempts, output, reused: true });
      this.options.announce('node.completed', id, { reused: true });
    }
  }

  /** Starts or skips every pending node among `candidates` (and what a skip unblocks). */
  pump(candidates: Iterable<string> = this.graph.order): void {
    const work = [...candidates];
    while (work.length > 0 && !this.fatal) {
      const id = work.shift()!;
      const state = this.states.get(id)!;
      if (state.status !== 'pending') continue;
      const verdict = readiness(this.graph.incoming.get(id)!.map((e) => this.edgeState(e)));
      if (verdict === 'skip') {
        this.setState(id, { ...state, status: 'skipped' });
        this.options.announce('node.skipped', id);
        work.push(...this.graph.outgoing.get(id)!.map((e) => e.target));
      } else if (verdict === 'run') {
        // A node done at once (computed in the workflow) unblocks its successors in this same pass.
        if (this.start(id)) work.push(...this.graph.outgoing.get(id)!.map((e) => e.target));
      }
    }
  }

  /** Every node that never started ends as cancelled (the run ends without it). */
  cancelPending(): void {
    for (const [id, s] of this.states) if (s.status === 'pending') this.setState(id, { ...s, status: 'cancelled' });
  }

  /** Whether an edge carries its source's result: `waiting` until the source settles. */
  edgeState(edge: EdgeDef): EdgeState {
    const source = this.states.get(edge.source)!;
    if (source.status === 'completed') {
      const branch = edgeBranch(edge, this.graph.nodes.get(edge.source));
      if (branch === undefined) return 'live';
      return this.conditionResults.get(edge.source) === (branch === 'true') ? 'live' : 'dead';
    }
    if (source.status === 'skipped' || source.status === 'failed' || source.status === 'cancelled') return 'dead';
    return 'waiting';
  }

  /**
   * Starts a node with as few promises as possible: the workflow sandbox records a stack trace for
   * each. True when the node completed at once (its successors are for the caller to pump).
   */
  private start(id: string): boolean {
    const node = this.graph.nodes.get(id)!;
    const startedAt = new Date().toISOString();
    this.setState(id, { status: 'running', attempts: 1, startedAt });
    this.running.add(id);
    const settle = () => {
      this.running.delete(id);
      if (!this.fatal) this.pump(this.graph.outgoing.get(id)!.map((e) => e.target));
      this.options.onSettle?.();
    };
    const complete = ({ output, attempt }: NodeActivityResult) => {
      this.outputs.set(id, output);
      this.recordCondition(id, output);
      this.setState(id, {
        status: 'completed',
        attempts: attempt,
        output,
        startedAt,
        endedAt: new Date().toISOString(),
      });
    };
    let pending: Promise<NodeActivityResult> | NodeActivityResult;
    try {
      pending = this.options.execute(node);
    } catch (err) {
      pending = Promise.reject(err);
    }
    if (!isPromise(pending)) {
      complete(pending);
      this.running.delete(id);
      return true;
    }
    pending.then(
      (result) => {
        complete(result);
        settle();
      },
      (err: unknown) => {
        this.onNodeError(node, startedAt, err);
        settle();
      },
    );
    return false;
  }

  private recordCondition(id: string, output: unknown): void {
    if (this.graph.nodes.get(id)?.type === 'condition')
      this.conditionResults.set(id, (output as { value?: unknown })?.value === true);
  }

  /** The failure policy: a cancelled node just ends; a failed one skips its dependants or fails the run. */
  private onNodeError(node: NodeDef, startedAt: string, err: unknown): void {
    const endedAt = new Date().toISOString();
    const prev = this.states.get(node.id)!;
    if (isCancellation(err)) {
      this.setState(node.id, { ...prev, status: 'cancelled', endedAt });
      this.options.announce('node.cancelled', node.id);
      return;
    }
    const { error, attempts } = decodeFailure(err, prev.attempts);
    this.setState(node.id, { status: 'failed', attempts, error, startedAt, endedAt });
    this.options.announce('node.failed', node.id, { error }, attempts);
    if (node.onError === 'continue') {
      for (const d of descendants(this.graph, node.id)) {
        const s = this.states.get(d)!;
        if (s.status !== 'pending') continue;
        this.setState(d, { ...s, status: 'skipped' });
        this.options.announce('node.skipped', d, { reason: `${node.id} failed` });
      }
    } else if (!this.fatal) {
      this.fatal = { ...error, nodeId: node.id };
    }
  }
}

function isPromise<T>(value: Promise<T> | T): value is Promise<T> {
  return typeof (value as Partial<Promise<T>> | undefined)?.then === 'function';
}
