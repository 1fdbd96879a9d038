import { buildGraph, descendants } from './graph.js';
import type { NodeState, RunFlowInput } from './run-types.js';
import type { FlowDefinition } from './schema.js';

export type RerunReuse = NonNullable<RunFlowInput['reuse']>;

export type RerunPlan = { ok: true; reuse: RerunReuse } | { ok: false; message: string };

/**
 * What a re-run from `fromNode` reuses: the output of every node of the previous run that completed
 * and is neither `fromNode` nor downstream of it. Everything else runs again. `flowLabel` names the
 * pinned version in the message when `fromNode` is not one of its nodes.
 */
export function planRerun(
  definition: Pick<FlowDefinition, 'nodes' | 'edges'>,
  previous: Record<string, NodeState>,
  fromNode: string,
  flowLabel: string,
): RerunPlan {
  const graph = buildGraph(definition);
  if (!graph.nodes.has(fromNode))
    return {
      ok: false,
      message: `no node "${fromNode}" in ${flowLabel}; nodes: ${[...graph.nodes.keys()].join(', ')}`,
    };
  const again = new Set([fromNode, ...descendants(graph, fromNode)]);
  const reuse: RerunReuse = {};
  for (const [id, node] of Object.entries(previous)) {
    if (!again.has(id) && node.status === 'completed')
      reuse[id] = { output: node.output ?? null, attempts: node.attempts };
  }
  return { ok: true, reuse };
}
