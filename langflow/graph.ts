import { FLOW_NAME_PATTERN, type EdgeDef } from '../flow/index.js';
import { edgeEnds, type LangflowEdge, type LangflowExport, type LangflowNode } from './export.js';
import { TOOL_OUTPUT } from './tools.js';

/** Langflow ids may hold spaces ("Prompt Template-3URhM"); native ids are `[A-Za-z0-9_-]{1,64}`. */
export function toNodeId(langflowId: string): string {
  return langflowId.replace(/[^A-Za-z0-9_-]/g, '_').slice(0, 64) || 'node';
}

/** Langflow node id → a native node id, unique in the flow (`_2`, `_3`… where two ids clash). */
export function nativeIds(nodes: LangflowNode[]): Record<string, string> {
  const ids: Record<string, string> = {};
  const taken = new Set<string>();
  for (const n of nodes) {
    let id = toNodeId(n.id);
    for (let i = 2; taken.has(id); i++) id = `${toNodeId(n.id).slice(0, 60)}_${i}`;
    taken.add(id);
    ids[n.id] = id;
  }
  return ids;
}

export function flowNameOf(exp: Pick<LangflowExport, 'endpoint_name' | 'name'>): string {
  if (typeof exp.endpoint_name === 'string' && FLOW_NAME_PATTERN.test(exp.endpoint_name)) return exp.endpoint_name;
  const slug = String(exp.endpoint_name || exp.name || 'langflow-flow')
    .toLowerCase()
    .normalize('NFKD')
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 63)
    .replace(/-+$/, '');
  return slug || 'langflow-flow';
}

/** The nodes in an order where every source comes before its readers; nodes on a cycle come last. */
export function topoOrder(nodes: LangflowNode[], edges: LangflowEdge[]): LangflowNode[] {
  const ids = new Set(nodes.map((n) => n.id));
  const indegree = new Map(nodes.map((n) => [n.id, 0]));
  for (const e of edges)
    if (ids.has(e.source) && ids.has(e.target)) indegree.set(e.target, indegree.get(e.target)! + 1);
  const queue = nodes.filter((n) => indegree.get(n.id) === 0);
  const out: LangflowNode[] = [];
  const byId = new Map(nodes.map((n) => [n.id, n]));
  while (queue.length) {
    const n = queue.shift()!;
    out.push(n);
    for (const e of edges) {
      if (e.source !== n.id || !ids.has(e.target)) continue;
      const left = indegree.get(e.target)! - 1;
      indegree.set(e.target, left);
      if (left === 0) queue.push(byId.get(e.target)!);
    }
  }
  // Components on a cycle (Langflow loops) come last; their conversion reports them.
  for (const n of nodes) if (!out.includes(n)) out.push(n);
  return out;
}

/**
 * The Langflow edges between converted nodes as native edges, after the `existing` ones: each pair
 * once, no self-loops, tool edges and edges to nodes that were folded away (tools, notes) dropped.
 * `via` redirects readers of a component to another node (a loop's `done` unwrapping node).
 */
export function nativeEdges(
  lfEdges: LangflowEdge[],
  ids: Record<string, string>,
  via: Map<string, string>,
  present: Set<string>,
  existing: EdgeDef[],
): EdgeDef[] {
  const edges = [...existing];
  const seen = new Set(edges.map((e) => `${e.source}>${e.target}`));
  for (const e of lfEdges) {
    const s = via.get(e.source) ?? ids[e.source];
    const t = ids[e.target];
    if (!s || !t || !present.has(s) || !present.has(t) || s === t) continue;
    if (edgeEnds(e).output === TOOL_OUTPUT) continue;
    const key = `${s}>${t}`;
    if (seen.has(key)) continue;
    seen.add(key);
    edges.push({ source: s, target: t });
  }
  return edges;
}
