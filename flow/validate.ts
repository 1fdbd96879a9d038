import type { z } from 'zod';
import { ancestors, buildGraph } from './graph.js';
import { ancestorBits } from './ancestor-bits.js';
export { flowReferences, type FlowReference } from './references.js';
import {
  NODE_KINDS,
  NODE_TYPES,
  NODE_TYPE_PARAMS,
  isNodeType,
  type NodeKindSpec,
  type NodeType,
} from './node-types.js';
import { findPlaceholders, secretRefName } from './placeholders.js';
import {
  OPERATOR_KEY_MESSAGE,
  OPERATOR_KEY_SECRET,
  SECRET_FIELDS_TEXT,
  secretAllowed,
  secretDestinationProblems,
} from './secret-refs.js';
import { flowDefinitionSchema, graphSchema, type FlowDefinition, type GraphDef } from './schema.js';
import { FLOW_LIMITS, flowNestingProblems, flowSizeProblems } from './limits.js';
import { jsonPath, type Problem } from './problems.js';

export { jsonPath, type Problem };

export interface ValidateOptions {
  /** Syntax check for JSONata expressions (kept out of flow/ so the workflow bundle stays small). */
  checkExpression?: (expression: string) => string | undefined;
}

export type ValidationResult<T> = { ok: true; value: T; problems: [] } | { ok: false; problems: Problem[] };

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
    const sourceType = byId.get(edge.source)?.type;
    const outputs = typeof sourceType === 'string' && isNodeType(sourceType) ? outputsOf(sourceType) : undefined;
    if (outputs && edge.sourceHandle !== undefined && !outputs.includes(String(edge.sourceHandle)))
      problems.push({
        path: at('edges', j, 'sourceHandle'),
        message: `a ${sourceType} has the outputs ${outputs.map((o) => `"${o}"`).join(' and ')}`,
      });
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
        message: `unknown node type "${type}"; known types: ${NODE_TYPES.join(', ')}`,
      });
      return;
    }
    const params = node.params ?? {};
    const kind: NodeKindSpec = NODE_KINDS[type];
    if (type === 'approval' && inLoopBody) {
      problems.push({
        path: at('nodes', i, 'type'),
        message: 'an approval cannot sit in a loop body (no one could address one item); use a subflow per item',
      });
    }
    const checked = NODE_TYPE_PARAMS[type].safeParse(params);
    if (!checked.success) problems.push(...zodProblems(checked.error, [...prefix, 'nodes', i, 'params']));

    for (const field of kind.expressionFields ?? []) {
      const expression = isObject(params) ? params[field] : undefined;
      const error = typeof expression === 'string' ? options.checkExpression?.(expression) : undefined;
      if (error) problems.push({ path: at('nodes', i, 'params', field), message: `invalid JSONata: ${error}` });
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
    for (const field of kind.secretRefFields ?? []) {
      const value = isObject(params) ? params[field] : undefined;
      if (typeof value === 'string' && secretRefName(value) === undefined)
        problems.push({
          path: at('nodes', i, 'params', field),
          message: 'must be a secret reference such as "{{secrets.OPENAI_API_KEY}}", never the key itself',
        });
    }
    problems.push(...secretDestinationProblems(type, params, [...prefix, 'nodes', i, 'params']));
    // Bounded recursion: nesting beyond the limit is reported once by flowNestingProblems.
    if (type === 'loop' && isObject(params) && isObject(params.body) && nestingOf(prefix) < FLOW_LIMITS.nesting) {
      problems.push(...validateGraph(params.body, [...prefix, 'nodes', i, 'params', 'body'], options, true));
    }

    const unscoped = kind.unscopedFields ?? [];
    const scopeParams =
      unscoped.length > 0 && isObject(params)
        ? Object.fromEntries(Object.entries(params).map(([k, v]) => [k, unscoped.includes(k) ? undefined : v]))
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
            message: `"{{${ref.expression}}}" cannot be used in a ${type} node's "${String(field)}": secrets may appear only in the connection fields of ${SECRET_FIELDS_TEXT}${kind.runsIn === 'workflow' ? " (this node's params are kept in workflow history)" : ''}`,
          });
        else if (ref.path.length !== 1)
          problems.push({
            path: jsonPath(ref.at),
            message: `"{{${ref.expression}}}" must name one secret, e.g. {{secrets.API_KEY}}`,
          });
        else if (String(ref.path[0]) === OPERATOR_KEY_SECRET)
          problems.push({ path: jsonPath(ref.at), message: OPERATOR_KEY_MESSAGE });
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

function outputsOf(type: NodeType): readonly string[] | undefined {
  const kind: NodeKindSpec = NODE_KINDS[type];
  return kind.outputs;
}

function nestingOf(prefix: readonly (string | number)[]): number {
  return prefix.filter((p) => p === 'body').length;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
