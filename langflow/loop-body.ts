import { componentType, edgeEnds, type LangflowEdge, type LangflowExport, type LangflowNode } from './export.js';
import { TOOL_OUTPUT } from './tools.js';

/** Component types of the two nodes a loop body's export gains; their reports are not listed. */
export const SYNTHETIC = '__tempoflow_';
export const SYNTHETIC_ITEM = '__tempoflow_loop_item';
export const SYNTHETIC_RESULT = '__tempoflow_loop_result';

export interface LoopBody {
  members: Set<string>;
  /** Components outside the loop that body components read (a native loop body cannot). */
  outside: string[];
}

/** Langflow loops: the components on the cycle through each Loop's `item` form its body. */
export function loopBodies(nodes: LangflowNode[], edges: LangflowEdge[]): Map<string, LoopBody> {
  const bodies = new Map<string, LoopBody>();
  for (const n of nodes)
    if (componentType(n) === 'LoopComponent') {
      const body = loopBody(n, nodes, edges);
      if (body) bodies.set(n.id, body);
    }
  return bodies;
}

/** Nodes reachable from the Loop's `item` output that lead back into its `item` input. */
export function loopBody(loop: LangflowNode, nodes: LangflowNode[], edges: LangflowEdge[]): LoopBody | undefined {
  const back = edges.filter((e) => e.target === loop.id && edgeEnds(e).field === 'item' && e.source !== loop.id);
  if (back.length === 0) return undefined;
  const forward = reach(
    edges.filter((e) => e.source === loop.id && edgeEnds(e).output === 'item').map((e) => e.target),
    loop.id,
    (id) => edges.filter((e) => e.source === id).map((e) => e.target),
  );
  const backward = reach(
    back.map((e) => e.source),
    loop.id,
    (id) => edges.filter((e) => e.target === id).map((e) => e.source),
  );
  const members = new Set([...forward].filter((id) => backward.has(id)));
  if (members.size === 0) return undefined;
  const known = new Set(nodes.map((n) => n.id));
  const outside = [
    ...new Set(
      edges
        .filter((e) => members.has(e.target) && !members.has(e.source) && e.source !== loop.id && known.has(e.source))
        .filter((e) => edgeEnds(e).output !== TOOL_OUTPUT || !members.has(e.target))
        .map((e) => e.source),
    ),
  ];
  // Tools that feed agents inside the body belong to the body.
  for (const e of edges)
    if (members.has(e.target) && edgeEnds(e).output === TOOL_OUTPUT && outside.includes(e.source)) {
      members.add(e.source);
      outside.splice(outside.indexOf(e.source), 1);
    }
  return { members, outside };
}

/** Every node reachable from `start` through `next`, not passing through `stop`. */
function reach(start: string[], stop: string, next: (id: string) => string[]): Set<string> {
  const found = new Set<string>();
  const stack = [...start];
  while (stack.length) {
    const id = stack.pop()!;
    if (id === stop || found.has(id)) continue;
    found.add(id);
    stack.push(...next(id));
  }
  return found;
}

/** The loop body as an export of its own: the item comes from an input, the loop-back edge goes to an output. */
export function bodyExport(
  loop: LangflowNode,
  body: LoopBody,
  nodes: LangflowNode[],
  edges: LangflowEdge[],
): LangflowExport {
  const synthetic = (id: string): LangflowNode => ({ id, type: 'genericNode', data: { type: id, node: {} } });
  const handle = (source: string, output: string | undefined, target: string, fieldName: string | undefined) => ({
    source,
    target,
    data: { sourceHandle: { id: source, name: output }, targetHandle: { id: target, fieldName } },
  });
  const inner: LangflowEdge[] = [];
  for (const e of edges) {
    const { output, field: fieldName } = edgeEnds(e);
    if (e.source === loop.id && body.members.has(e.target) && output === 'item')
      inner.push(handle(SYNTHETIC_ITEM, 'item', e.target, fieldName));
    else if (e.target === loop.id && body.members.has(e.source) && fieldName === 'item')
      inner.push(handle(e.source, output, SYNTHETIC_RESULT, 'value'));
    else if (body.members.has(e.source) && body.members.has(e.target)) inner.push(e);
  }
  return {
    name: `${loop.id} body`,
    data: {
      nodes: [synthetic(SYNTHETIC_ITEM), ...nodes.filter((n) => body.members.has(n.id)), synthetic(SYNTHETIC_RESULT)],
      edges: inner,
    },
  };
}
