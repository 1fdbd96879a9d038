import { NODE_KINDS, NODE_TYPES } from './node-types.js';
import { findPlaceholders } from './placeholders.js';
import type { GraphDef } from './schema.js';
import type { Tweaks } from './tweaks.js';
import { jsonPath, type Problem } from './problems.js';

/**
 * The only params that may hold `{{secrets.NAME}}` (each kind's `secretFields`): where a connection
 * needs a credential. Anywhere else a secret could be turned into output (a template, an expression's
 * `$base64encode`, a prompt the model repeats) or would enter workflow history (loop, subflow, delay,
 * approval params).
 */
export const SECRET_FIELDS: Readonly<Record<string, readonly string[]>> = Object.fromEntries(
  NODE_TYPES.map((type): [string, readonly string[]] => [type, NODE_KINDS[type].secretFields]).filter(
    ([, fields]) => fields.length > 0,
  ),
);

/**
 * The secret that is the operator's default model key (LLM_API_KEY): llm and agent nodes that name
 * no key get it, and only for the operator's base URL. A flow may not name it, or it could send the
 * key anywhere.
 */
export const OPERATOR_KEY_SECRET = 'LLM_API_KEY';

export const OPERATOR_KEY_MESSAGE = `{{secrets.${OPERATOR_KEY_SECRET}}} is the operator's default model key: a flow may not name it; leave apiKey empty to use it (it goes only to LLM_BASE_URL)`;

/** The kinds and fields that may hold secrets, for messages: `http (url, query, headers, body) and llm (…)`. */
export const SECRET_FIELDS_TEXT = Object.entries(SECRET_FIELDS)
  .map(([type, fields]) => `${type} (${fields.join(', ')})`)
  .join(' and ');

export function secretAllowed(type: string, field: string | number | undefined): boolean {
  return SECRET_FIELDS[type]?.includes(String(field)) ?? false;
}

/** The names of the secrets a flow's own nodes read (inline loop bodies included), sorted. */
export function flowSecrets(def: Pick<GraphDef, 'nodes'>): string[] {
  const names = new Set<string>();
  const visit = (nodes: GraphDef['nodes']) => {
    for (const node of nodes) {
      for (const ref of findPlaceholders(node.params ?? {}))
        if (ref.root === 'secrets' && ref.path.length > 0) names.add(String(ref.path[0]));
      const body = (node.params as { body?: unknown } | undefined)?.body;
      if (node.type === 'loop' && body && typeof body === 'object' && Array.isArray((body as GraphDef).nodes))
        visit((body as GraphDef).nodes);
    }
  };
  visit(def.nodes ?? []);
  return [...names].sort();
}

/**
 * Params that choose where a request goes: a tweak may not move a node's secrets elsewhere (an
 * agent's `tools` say where its tool calls connect).
 */
const DESTINATION_FIELDS = ['url', 'query', 'baseUrl', 'tools'];

/**
 * What a run's tweaks may not do with secrets: name one the flow version does not read (a run may
 * read only the secrets its flow names), or change where a node that sends secrets connects.
 */
export function secretTweakProblems(def: Pick<GraphDef, 'nodes'>, tweaks: Tweaks | undefined): Problem[] {
  const named = new Set(flowSecrets(def));
  const problems: Problem[] = findPlaceholders(tweaks ?? {}, ['tweaks'])
    .filter((ref) => ref.root === 'secrets' && !named.has(String(ref.path[0])))
    .map((ref) => ({
      path: jsonPath(ref.at),
      message: `"{{${ref.expression}}}" is not read by this flow version; a run may read only the secrets its flow names`,
    }));
  for (const [nodeId, params] of Object.entries(tweaks ?? {})) {
    const node = def.nodes.find((n) => n.id === nodeId);
    // What the node sends once tweaked: its own secrets and those the tweak gives it.
    const sends = [
      ...new Set([
        ...(node ? flowSecrets({ nodes: [node] }) : []),
        ...findPlaceholders(params ?? {})
          .filter((r) => r.root === 'secrets')
          .map((r) => String(r.path[0])),
      ]),
    ].sort();
    if (sends.length === 0) continue;
    for (const field of Object.keys(params ?? {}).filter((f) => DESTINATION_FIELDS.includes(f)))
      problems.push({
        path: jsonPath(['tweaks', nodeId, field]),
        message: `node "${nodeId}" sends secrets (${sends.join(', ')}); a tweak may not change where it connects (store a new flow version instead)`,
      });
  }
  return problems;
}

/**
 * A request that sends a secret must name its host itself: with a placeholder before the path
 * (`{{in.url}}`, `https://{{in.host}}/x`, an agent tool's `{{args.url}}`), whoever fills it (a
 * run's caller, a model reading a page) chooses where the secret goes. Checks an http node's `url`,
 * an llm or agent node's `baseUrl`, and each http tool's `config.url` of an agent, at `at`.
 */
export function secretDestinationProblems(type: string, params: unknown, at: (string | number)[]): Problem[] {
  if (!params || typeof params !== 'object') return [];
  const p = params as Record<string, unknown>;
  const checks: { value: unknown; sends: unknown; path: (string | number)[] }[] = [];
  if (type === 'http') checks.push({ value: p.url, sends: p, path: [...at, 'url'] });
  if (type === 'llm' || type === 'agent') checks.push({ value: p.baseUrl, sends: p, path: [...at, 'baseUrl'] });
  if (type === 'agent' && Array.isArray(p.tools))
    p.tools.forEach((tool: unknown, i) => {
      const t = tool as { kind?: unknown; config?: Record<string, unknown> } | null;
      if (t?.kind === 'http' && t.config && typeof t.config === 'object')
        checks.push({ value: t.config.url, sends: t.config, path: [...at, 'tools', i, 'config', 'url'] });
    });
  const problems: Problem[] = [];
  for (const c of checks) {
    if (typeof c.value !== 'string' || !findPlaceholders(c.sends).some((r) => r.root === 'secrets')) continue;
    const first = findPlaceholders(c.value).find((r) => r.root !== 'secrets');
    if (!first) continue;
    const before = c.value.slice(0, c.value.indexOf('{{'));
    if (/^https?:\/\/[^/?#{}]+[/?#]/.test(before)) continue;
    problems.push({
      path: jsonPath(c.path),
      message: `sends a secret, so its host must be written out: "{{${first.expression}}}" comes before the path, and whoever fills it would choose where the secret goes`,
    });
  }
  return problems;
}
