import type { GraphDef } from './schema.js';
import { jsonPath, type Problem } from './problems.js';
import { flowReferences } from './references.js';

/** Documented limits of one flow definition (inline loop bodies count towards nodes and edges). */
export const FLOW_LIMITS = {
  /** Nodes, counting those of inline loop bodies. */
  nodes: 1000,
  /** Edges, counting those of inline loop bodies. */
  edges: 5000,
  /** Subflows and loops inside one another, through stored flows and inline bodies alike. */
  nesting: 8,
  /** The definition as JSON, in UTF-8 bytes. */
  bytes: 512 * 1024,
} as const;

/** The largest version number Postgres stores (integer). */
export const MAX_VERSION = 2_147_483_647;

type Nodes = Pick<GraphDef, 'nodes'>;

/**
 * Counts nodes, edges and bytes before anything else looks at a definition, so an oversized one is
 * refused in time linear in its size. Descends into inline bodies only as deep as nesting allows.
 */
export function flowSizeProblems(input: unknown): Problem[] {
  const problems: Problem[] = [];
  let nodes = 0;
  let edges = 0;
  const stack: { graph: unknown; level: number }[] = [{ graph: input, level: 0 }];
  while (stack.length) {
    const { graph, level } = stack.pop()!;
    if (!isObject(graph)) continue;
    if (Array.isArray(graph.edges)) edges += graph.edges.length;
    if (!Array.isArray(graph.nodes)) continue;
    nodes += graph.nodes.length;
    if (level >= FLOW_LIMITS.nesting) continue;
    for (const node of graph.nodes) {
      if (isObject(node) && node.type === 'loop' && isObject(node.params) && isObject(node.params.body))
        stack.push({ graph: node.params.body, level: level + 1 });
    }
  }
  if (nodes > FLOW_LIMITS.nodes)
    problems.push({ path: '$.nodes', message: `the flow has ${nodes} nodes; the limit is ${FLOW_LIMITS.nodes}` });
  if (edges > FLOW_LIMITS.edges)
    problems.push({ path: '$.edges', message: `the flow has ${edges} edges; the limit is ${FLOW_LIMITS.edges}` });
  const bytes = utf8Length(JSON.stringify(input) ?? '');
  if (bytes > FLOW_LIMITS.bytes)
    problems.push({ path: '$', message: `the definition is ${bytes} bytes; the limit is ${FLOW_LIMITS.bytes} bytes` });
  return problems;
}

function utf8Length(text: string): number {
  let n = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x80) n += 1;
    else if (c < 0x800) n += 2;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < text.length) {
      n += 4;
      i++;
    } else n += 3;
  }
  return n;
}

/**
 * Flows that reach themselves through `subflow` or a `loop` body (directly or through other flows)
 * and nesting deeper than FLOW_LIMITS.nesting. `library(name)` answers the stored definition a
 * reference resolves to (undefined when unknown: it counts as a leaf). Each flow is visited once.
 */
export function flowNestingProblems(
  rootName: string,
  root: Nodes,
  library: (name: string) => Nodes | undefined,
): Problem[] {
  const done = new Map<string, { depth: number; cycle?: string[]; chain: string[] }>();
  const active: string[] = [rootName];

  const ofDefinition = (def: Nodes): { depth: number; cycle?: string[]; chain: string[] } => {
    let best: { depth: number; cycle?: string[]; chain: string[] } = { depth: 0, chain: [] };
    for (const node of def.nodes ?? []) {
      const params = (isObject(node?.params) ? node.params : {}) as Record<string, unknown>;
      let inner: { depth: number; cycle?: string[]; chain: string[] } | undefined;
      if (node.type === 'subflow' && typeof params.flow === 'string') inner = ofName(params.flow);
      else if (node.type === 'loop' && typeof params.body === 'string') inner = ofName(params.body);
      else if (node.type === 'loop' && isObject(params.body) && Array.isArray(params.body.nodes))
        inner =
          active.length + best.depth > 4 * FLOW_LIMITS.nesting
            ? { depth: Infinity, chain: [] }
            : ofDefinition(params.body as Nodes);
      if (!inner) continue;
      if (inner.cycle) return { depth: Infinity, cycle: inner.cycle, chain: [] };
      if (inner.depth + 1 > best.depth) best = { depth: inner.depth + 1, chain: inner.chain };
    }
    return best;
  };

  const ofName = (name: string): { depth: number; cycle?: string[]; chain: string[] } => {
    const open = active.indexOf(name);
    if (open >= 0) return { depth: Infinity, cycle: [...active.slice(open), name], chain: [] };
    const known = done.get(name);
    if (known) return known;
    const def = library(name);
    if (!def) return { depth: 0, chain: [name] };
    active.push(name);
    const inner = ofDefinition(def);
    active.pop();
    const result = { ...inner, chain: [name, ...inner.chain] };
    done.set(name, result);
    return result;
  };

  const problems: Problem[] = [];
  for (const ref of flowReferences(root)) {
    const found = ofName(ref.name);
    if (found.cycle)
      problems.push({
        path: ref.path,
        message:
          found.cycle[0] === rootName
            ? `flow "${rootName}" reaches itself: ${found.cycle.join(' → ')}; a flow may not run itself through subflow or loop`
            : `flow "${ref.name}" is part of a cycle: ${found.cycle.join(' → ')}; a flow may not run itself through subflow or loop`,
      });
  }
  if (problems.length) return problems;
  const total = ofDefinition(root);
  if (total.depth > FLOW_LIMITS.nesting)
    problems.push({
      path: jsonPath([]),
      message: `nesting depth ${Number.isFinite(total.depth) ? total.depth : `above ${4 * FLOW_LIMITS.nesting}`}${total.chain.length ? ` (${[rootName, ...total.chain].join(' → ')})` : ''} exceeds the limit; the limit is ${FLOW_LIMITS.nesting} subflows and loops inside one another`,
    });
  return problems;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
