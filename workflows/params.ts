import {
  ancestors,
  findPlaceholders,
  getPath,
  isBlobRef,
  resolvePlaceholders,
  type EdgeDef,
  type EdgeState,
  type Graph,
  type Lookup,
  type NodeDef,
} from '../flow/core.js';

/** What param resolution reads from the run: its inputs, the settled outputs, and which edges are live. */
export interface ParamSources {
  graph: Graph;
  inputs: Record<string, unknown>;
  outputs: ReadonlyMap<string, unknown>;
  edgeState(edge: EdgeDef): EdgeState;
}

export type InlineResolution = { ok: true; value: Record<string, unknown> } | { ok: false };

/**
 * A node's params as the workflow sees them. Placeholders resolve here only when every value they
 * name is in history (`inputs` and node outputs); secrets and blob-stored values resolve inside
 * activities, which get the `scope` of values the params may name.
 */
export class NodeParams {
  private readonly ancestorCache = new Map<string, Set<string>>();

  constructor(private readonly sources: ParamSources) {}

  get graph(): Graph {
    return this.sources.graph;
  }

  /**
   * Params with `targetHandle` edges filled in as whole placeholders (so values keep their type).
   * `assumeLive`: treat the edges from this node as live (it runs ahead of a chain, see PureChainInput).
   */
  effective(node: NodeDef, assumeLive?: string): Record<string, unknown> {
    const params: Record<string, unknown> = { ...(node.params ?? {}) };
    for (const edge of this.sources.graph.incoming.get(node.id)!) {
      if (edge.targetHandle && (edge.source === assumeLive || this.sources.edgeState(edge) === 'live'))
        params[edge.targetHandle] = `{{${edge.source}}}`;
    }
    return params;
  }

  /** Resolves in the workflow, scheduling nothing; `ok: false` when a value lives outside history. */
  resolveInline(params: Record<string, unknown>): InlineResolution {
    try {
      return { ok: true, value: resolvePlaceholders(params, this.lookup) as Record<string, unknown> };
    } catch {
      return { ok: false };
    }
  }

  /** The values an activity needs to resolve `params`: `inputs` and the outputs of the nodes they name. */
  scope(node: NodeDef, params: Record<string, unknown>): Record<string, unknown> {
    const names = this.scopeNames(node, params);
    // The run's inputs ride in every activity input only where they may be read: an expression sees
    // its whole scope (`$`), other params only what a placeholder names. Each input is kept in
    // history, so a large run input no longer repeats in every node activity.
    const scope: Record<string, unknown> =
      isExpressionNode(node) || names.has('inputs') ? { inputs: this.sources.inputs } : {};
    for (const root of names) if (this.sources.outputs.has(root)) scope[root] = this.sources.outputs.get(root);
    return scope;
  }

  /** The node ids whose outputs `scope` gives the activity: those the params name (and, for an expression, mention). */
  scopeNames(node: NodeDef, params: Record<string, unknown>): Set<string> {
    const roots = new Set(findPlaceholders(params).map((r) => r.root));
    if (isExpressionNode(node)) {
      const expression = String(params.expression ?? '');
      for (const id of this.ancestorsOf(node.id)) if (expression.includes(id)) roots.add(id);
    }
    return roots;
  }

  private readonly lookup: Lookup = ({ root, path }) => {
    if (root === 'secrets') return { found: false, reason: 'secrets resolve only inside activities' };
    let value: unknown = root === 'inputs' ? this.sources.inputs : this.sources.outputs.get(root);
    if (root !== 'inputs' && !this.sources.outputs.has(root)) return { found: true, value: undefined };
    for (const key of path) {
      if (isBlobRef(value)) return { found: false, reason: 'value is stored outside history' };
      value = getPath(value, [key]);
    }
    if (isBlobRef(value)) return { found: false, reason: 'value is stored outside history' };
    return { found: true, value };
  };

  private ancestorsOf(id: string): Set<string> {
    let set = this.ancestorCache.get(id);
    if (!set) this.ancestorCache.set(id, (set = ancestors(this.sources.graph, id)));
    return set;
  }
}

/** A node whose expression is evaluated against its whole scope. */
function isExpressionNode(node: NodeDef): boolean {
  return node.type === 'transform' || node.type === 'condition';
}
