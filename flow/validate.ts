import type { z } from 'zod';
import { ancestors, buildGraph } from './graph.js';
import { NODE_TYPE_PARAMS, WORKFLOW_NODE_TYPES, isNodeType } from './node-types.js';
import { findPlaceholders } from './placeholders.js';
import { SECRET_FIELDS_TEXT, secretAllowed } from './secret-refs.js';
import { flowDefinitionSchema, graphSchema, type FlowDefinition, type GraphDef } from './schema.js';
import { FLOW_LIMITS, flowNestingProblems, flowSizeProblems } from './limits.js';

export interface Problem {
  /** JSON path of the offending value, e.g. `$.nodes[2].params.url`. */
  path: string;
  message: string;
}

export interface ValidateOptions {
  /** Syntax check for JSONata expressions (kept out of flow/ so the workflow bundle stays small). */
  checkExpression?: (expression: string) => string | undefined;
}

export type ValidationResult<T> = { ok: true; value: T; problems: [] } | { ok: false; problems: Problem[] };

export function jsonPath(parts: readonly PropertyKey[]): string {
  return (
    '$' +
    parts
      .map((p) =>
        typeof p === 'number'
          ? `[${p}]`
          : /^[A-Za-z_$][\w$]*$/.test(String(p))
            ? `.${String(p)}`
            : `[${JSON.stringify(String(p))}]`,
      )
      .join('')
  );
}

function zodProblems(error: z.ZodError, prefix: (string | number)[]): Problem[] {
  return error.issues.map((issue) => ({ path: jsonPath([...prefix, ...issue.path]), message: issue.message }));
}

/**
 * Checks a node's params after its placeholders resolved (at run time), with the messages of save
 * time: undefined when they fit the node type, else one sentence listing each problem at `$.params…`.
 */
export function checkResolvedParams(type: string, params: unknown): string | undefined {
  if (!isNodeType(type)) return `unknown node type "${type}"`;
  const checked = NODE_TYPE_PARAMS[type].safeParse(params ?? {});
  if (checked.success) return undefined;
  const problems = zodProblems(checked.error, ['params']).map((p) => `${p.path}: ${p.message}`);
  return `invalid params after resolving placeholders: ${problems.join('; ')}`;
}

/** Validates a whole flow definition; every problem is listed, each with a JSON path. */
export function validateFlow(input: unknown, options: ValidateOptions = {}): ValidationResult<FlowDefinition> {
  // Sizes first: an oversized definition is refused before any work that grows faster than its size.
  const tooLarge = flowSizeProblems(input);
  if (tooLarge.length) return { ok: false, problems: tooLarge };
  const parsed = flowDefinitionSchema.safeParse(input);
  const problems = parsed.success ? [] : zodProblems(parsed.error, []).filter((p) => !isGraphPath(p.path));
  problems.push(...validateGraph(input, [], options));
  if (isObject(input) && Array.isArray(input.nodes) && input.nodes.every(isObject))
    problems.push(
      ...flowNestingProblems(
        typeof input.name === 'string' ? input.name : '',
        input as Pick<GraphDef, 'nodes'>,
        () => undefined,
      ),
    );
  const unique = dedupe(problems);
  if (unique.length > 0 || !parsed.success) {
    return { ok: false, problems: unique.length ? unique : zodProblems(parsed.error!, []) };
  }
  return { ok: true, value: parsed.data, problems: [] };
}

function isGraphPath(path: string): boolean {
  return path.startsWith('$.nodes') || path.startsWith('$.edges');
}

function dedupe(problems: Problem[]): Problem[] {
  const seen = new Set<string>();
  return problems.filter((p) => {
    const key = `${p.path}\u0000${p.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/** Checks nodes and edges of a graph (a flow, or a loop's inline body) at `prefix`. */
export function validateGraph(
  input: unknown,
  prefix: (string | number)[],
  options: ValidateOptions = {},
  inLoopBody = false,
): Problem[] {
  const problems: Problem[] = [];
  const shape = graphSchema.safeParse(input);
  if (!shape.success) problems.push(...zodProblems(shape.error, prefix));
  const raw = (input ?? {}) as { nodes?: unknown; edges?: unknown };
  const nodes = Array.isArray(raw.nodes) ? raw.nodes.filter(isObject) : [];
  const edges = Array.isArray(raw.edges) ? raw.edges.filter(isObject) : [];
  const at = (...parts: (string | number)[]) => jsonPath([...prefix, ...parts]);

  const firstIndex = new Map<string, number>();
  const byId = new Map<unknown, Record<string, unknown>>();
  for (const n of nodes) if (!byId.has(n.id)) byId.set(n.id, n);
  (raw.nodes as unknown[] | undefined)?.forEach?.((node, i) => {
    if (!isObject(node) || typeof node.id !== 'string') return;
    if (firstIndex.has(node.id)) {
      problems.push({
        path: at('nodes', i, 'id'),
        message: `duplicate node id "${node.id}" (first used at ${at('nodes', firstIndex.get(node.id)!)})`,
      });
    } else firstIndex.set(node.id, i);
  });

  (raw.edges as unknown[] | undefined)?.forEach?.((edge, j) => {
    if (!isObject(edge)) return;
    for (const end of ['source', 'target'] as const) {
      const id = edge[end];
      if (typeof id === 'string' && !firstIndex.has(id))
        problems.push({ path: at('edges', j, end), message: `edge ${end} "${id}" is not a node of this flow` });
    }
    if (edge.source === edge.target && typeof edge.source === 'string')
      problems.push({ path: at('edges', j), message: `edge from "${edge.source}" to itself makes a cycle` });
    const sourceNode = byId.get(edge.source);
    if (
      sourceNode?.type === 'condition' &&
      edge.sourceHandle !== undefined &&
      edge.sourceHandle !== 'true' &&
      edge.sourceHandle !== 'false'
    ) {
      problems.push({
        path: at('edges', j, 'sourceHandle'),
        message: 'a condition has the outputs "true" and "false"',
      });
    }
  });

  const graph = buildGraph({
    nodes: nodes.filter((n) => typeof n.id === 'string') as unknown as GraphDef['nodes'],
    edges: edges.filter(
      (e) => typeof e.source === 'string' && typeof e.target === 'string' && e.source !== e.target,
    ) as unknown as GraphDef['edges'],
  });
  if (graph.cyclic.length > 0) {
    const cyclic = new Set(graph.cyclic);
    (raw.edges as unknown[]).forEach((edge, j) => {
      if (
        isObject(edge) &&
        cyclic.has(edge.source as string) &&
        cyclic.has(edge.target as string) &&
        edge.source !== edge.target
      ) {
        problems.push({
          path: at('edges', j),
          message: `edge ${String(edge.source)} → ${String(edge.target)} is part of a cycle (${graph.cyclic.join(', ')}); only loop bodies may repeat`,
        });
      }
    });
  }

  let reach: ReturnType<typeof ancestorBits> | undefined;
  const outputNames = new Map<string, number>();
  (raw.nodes as unknown[] | undefined)?.forEach?.((node, i) => {
    if (!isObject(node)) return;
    const type = node.type;
    if (typeof type !== 'string') return;
    if (!isNodeType(type)) {
      problems.push({
        path: at('nodes', i, 'type'),
        message: `unknown node type "${type}"; known types: ${Object.keys(NODE_TYPE_PARAMS).join(', ')}`,
      });
      return;
    }
    const params = node.params ?? {};
    if (type === 'approval' && inLoopBody) {
      problems.push({
        path: at('nodes', i, 'type'),
        message: 'an approval cannot sit in a loop body (no one could address one item); use a subflow per item',
      });
    }
    const checked = NODE_TYPE_PARAMS[type].safeParse(params);
    if (!checked.success) problems.push(...zodProblems(checked.error, [...prefix, 'nodes', i, 'params']));

    if (
      (type === 'transform' || type === 'condition') &&
      isObject(params) &&
      typeof params.expression === 'string' &&
      options.checkExpression
    ) {
      const error = options.checkExpression(params.expression);
      if (error) problems.push({ path: at('nodes', i, 'params', 'expression'), message: `invalid JSONata: ${error}` });
    }
    if (type === 'output') {
      const name = isObject(params) && typeof params.name === 'string' ? params.name : String(node.id);
      if (outputNames.has(name))
        problems.push({
          path: at('nodes', i),
          message: `output name "${name}" is already used by ${at('nodes', outputNames.get(name)!)}`,
        });
      else outputNames.set(name, i);
    }
    if (
      (type === 'llm' || type === 'agent') &&
      isObject(params) &&
      typeof params.apiKey === 'string' &&
      !/^\{\{\s*secrets\.[A-Za-z0-9_]+\s*\}\}$/.test(params.apiKey)
    ) {
      problems.push({
        path: at('nodes', i, 'params', 'apiKey'),
        message: 'must be a secret reference such as "{{secrets.OPENAI_API_KEY}}", never the key itself',
      });
    }
    // Bounded recursion: nesting beyond the limit is reported once by flowNestingProblems.
    if (type === 'loop' && isObject(params) && isObject(params.body) && nestingOf(prefix) < FLOW_LIMITS.nesting) {
      problems.push(...validateGraph(params.body, [...prefix, 'nodes', i, 'params', 'body'], options, true));
    }

    const scopeParams =
      type === 'loop' && isObject(params)
        ? { ...params, body: undefined }
        : type === 'agent' && isObject(params) // tools and the key resolve inside the agent's activities
          ? { ...params, tools: undefined, apiKey: undefined }
          : params;
    let ownSet: Set<string> | undefined;
    const own = {
      has: (id: string) =>
        (reach ??= ancestorBits(graph)).has(String(node.id), id) ??
        (ownSet ??=
          typeof node.id === 'string' && graph.nodes.has(node.id) ? ancestors(graph, node.id) : new Set<string>()).has(
          id,
        ),
    };
    for (const ref of findPlaceholders(scopeParams, [...prefix, 'nodes', i, 'params'])) {
      if (ref.root === 'inputs') continue;
      if (ref.root === 'secrets') {
        const field = ref.at[prefix.length + 3];
        if (!secretAllowed(type, field))
          problems.push({
            path: jsonPath(ref.at),
            message: `"{{${ref.expression}}}" cannot be used in a ${type} node's "${String(field)}": secrets may appear only in the connection fields of ${SECRET_FIELDS_TEXT}${(WORKFLOW_NODE_TYPES as readonly string[]).includes(type) ? " (this node's params are kept in workflow history)" : ''}`,
          });
        else if (ref.path.length !== 1)
          problems.push({
            path: jsonPath(ref.at),
            message: `"{{${ref.expression}}}" must name one secret, e.g. {{secrets.API_KEY}}`,
          });
        continue;
      }
      if (!firstIndex.has(ref.root))
        problems.push({
          path: jsonPath(ref.at),
          message: `placeholder "{{${ref.expression}}}" names "${ref.root}", which is not a node of this flow (nor inputs or secrets)`,
        });
      else if (!own.has(ref.root))
        problems.push({
          path: jsonPath(ref.at),
          message: `placeholder "{{${ref.expression}}}" names "${ref.root}", which is not an ancestor of "${String(node.id)}"; add an edge from it`,
        });
    }
  });
  return problems;
}

export interface FlowReference {
  name: string;
  version?: number;
  path: string;
}

/** Stored flows that a definition names (subflows, loop bodies by name), including inline bodies. */
export function flowReferences(def: Pick<GraphDef, 'nodes'>, prefix: (string | number)[] = []): FlowReference[] {
  return def.nodes.flatMap((node, i) => {
    const params = (node.params ?? {}) as Record<string, unknown>;
    if (node.type === 'subflow' && typeof params.flow === 'string') {
      return [
        {
          name: params.flow,
          version: typeof params.version === 'number' ? params.version : undefined,
          path: jsonPath([...prefix, 'nodes', i, 'params', 'flow']),
        },
      ];
    }
    if (node.type === 'loop' && typeof params.body === 'string')
      return [{ name: params.body, path: jsonPath([...prefix, 'nodes', i, 'params', 'body']) }];
    if (node.type === 'loop' && isObject(params.body) && Array.isArray(params.body.nodes)) {
      return flowReferences(params.body as Pick<GraphDef, 'nodes'>, [...prefix, 'nodes', i, 'params', 'body']);
    }
    return [];
  });
}

/**
 * Ancestor sets of every node on the acyclic part of a graph as bit sets, in one pass over the
 * topological order: O(edges × nodes / 32), where a walk per node would be O(nodes × edges).
 * `has` answers undefined for a node on a cycle (the caller walks for those).
 */
function ancestorBits(graph: ReturnType<typeof buildGraph>) {
  const index = new Map(graph.order.map((id, i) => [id, i]));
  const words = Math.ceil(graph.order.length / 32) || 1;
  const bits = graph.order.map(() => new Uint32Array(words));
  graph.order.forEach((id, i) => {
    const own = bits[i];
    for (const edge of graph.incoming.get(id) ?? []) {
      const u = index.get(edge.source);
      if (u === undefined) continue;
      const theirs = bits[u];
      for (let w = 0; w < words; w++) own[w] |= theirs[w];
      own[u >>> 5] |= 1 << (u & 31);
    }
  });
  return {
    has(node: string, ancestor: string): boolean | undefined {
      const i = index.get(node);
      if (i === undefined) return undefined;
      const a = index.get(ancestor);
      return a !== undefined && (bits[i][a >>> 5] & (1 << (a & 31))) !== 0;
    },
  };
}

function nestingOf(prefix: readonly (string | number)[]): number {
  return prefix.filter((p) => p === 'body').length;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
