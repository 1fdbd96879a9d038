import type { EdgeDef, GraphDef, NodeDef } from './schema.js';

export interface Graph {
  nodes: Map<string, NodeDef>;
  incoming: Map<string, EdgeDef[]>;
  outgoing: Map<string, EdgeDef[]>;
  /** Node ids in a topological order (only complete when the graph has no cycle). */
  order: string[];
  /** Nodes that sit on a cycle; empty for a valid graph. */
  cyclic: string[];
}

/** Indexes a graph. Edges naming unknown nodes are ignored here (validation reports them). */
export function buildGraph(def: Pick<GraphDef, 'nodes' | 'edges'>): Graph {
  const nodes = new Map<string, NodeDef>();
  for (const node of def.nodes) if (!nodes.has(node.id)) nodes.set(node.id, node);
  const incoming = new Map<string, EdgeDef[]>([...nodes.keys()].map((id) => [id, []]));
  const outgoing = new Map<string, EdgeDef[]>([...nodes.keys()].map((id) => [id, []]));
  for (const edge of def.edges ?? []) {
    if (!nodes.has(edge.source) || !nodes.has(edge.target)) continue;
    outgoing.get(edge.source)!.push(edge);
    incoming.get(edge.target)!.push(edge);
  }
  const indegree = new Map([...incoming].map(([id, edges]) => [id, edges.length]));
  const queue = [...nodes.keys()].filter((id) => indegree.get(id) === 0);
  const order: string[] = [];
  while (queue.length) {
    const id = queue.shift()!;
    order.push(id);
    for (const edge of outgoing.get(id)!) {
      const left = indegree.get(edge.target)! - 1;
      indegree.set(edge.target, left);
      if (left === 0) queue.push(edge.target);
    }
  }
  const placed = new Set(order);
  return { nodes, incoming, outgoing, order, cyclic: [...nodes.keys()].filter((id) => !placed.has(id)) };
}

function walk(start: string, next: (id: string) => string[]): Set<string> {
  const seen = new Set<string>();
  const stack = [...next(start)];
  while (stack.length) {
    const id = stack.pop()!;
    if (seen.has(id)) continue;
    seen.add(id);
    stack.push(...next(id));
  }
  return seen;
}

export function ancestors(graph: Graph, id: string): Set<string> {
  return walk(id, (n) => (graph.incoming.get(n) ?? []).map((e) => e.source));
}

export function descendants(graph: Graph, id: string): Set<string> {
  return walk(id, (n) => (graph.outgoing.get(n) ?? []).map((e) => e.target));
}

/** The branch an edge needs from its source; undefined when it is always taken. */
export function edgeBranch(edge: EdgeDef, source: NodeDef | undefined): string | undefined {
  return source?.type === 'condition' && (edge.sourceHandle === 'true' || edge.sourceHandle === 'false')
    ? edge.sourceHandle
    : undefined;
}

export type EdgeState = 'waiting' | 'live' | 'dead';

/**
 * What a node should do given the states of its incoming edges: `run` when none waits and at least
 * one is live (a merge runs with one live input), `skip` when every one is dead, else `wait`.
 */
export function readiness(edgeStates: EdgeState[]): 'run' | 'skip' | 'wait' {
  if (edgeStates.length === 0) return 'run';
  if (edgeStates.some((s) => s === 'waiting')) return 'wait';
  return edgeStates.some((s) => s === 'live') ? 'run' : 'skip';
}
