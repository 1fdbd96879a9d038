import type { Problem } from '../flow/index.js';
import { displayName, type LangflowExport } from './export.js';
import { toNodeId } from './graph.js';

export type LangflowTweaks = Record<string, unknown>;

/**
 * Applies Langflow run-API tweaks to an export, as Langflow does: each key names a component by
 * id or display name (our node id works too), each entry sets `template.<field>.value`. A key
 * that names nothing, or an entry that is not an object, is a problem at `$.tweaks.<key>`.
 */
export function applyLangflowTweaks(
  exp: LangflowExport,
  tweaks: LangflowTweaks | null | undefined,
): { export: LangflowExport; problems: Problem[] } {
  if (!tweaks || Object.keys(tweaks).length === 0) return { export: exp, problems: [] };
  const copy = structuredClone(exp);
  const problems: Problem[] = [];
  for (const [key, tweak] of Object.entries(tweaks)) {
    const path = `$.tweaks[${JSON.stringify(key)}]`;
    const targets = copy.data.nodes.filter(
      (n) => n.type !== 'noteNode' && (n.id === key || toNodeId(n.id) === key || displayName(n) === key),
    );
    if (targets.length === 0) {
      problems.push({
        path,
        message: `no component "${key}" in this flow; components: ${copy.data.nodes
          .filter((n) => n.type !== 'noteNode')
          .map((n) => `${n.id} (${displayName(n)})`)
          .join(', ')}`,
      });
      continue;
    }
    if (typeof tweak !== 'object' || tweak === null || Array.isArray(tweak)) {
      problems.push({ path, message: 'a tweak is an object of {field: value}' });
      continue;
    }
    for (const n of targets) {
      n.data ??= {};
      n.data.node ??= {};
      const template = (n.data.node.template ??= {});
      for (const [fieldName, value] of Object.entries(tweak)) {
        if (fieldName === 'api_key' && typeof value === 'string' && value && !/^[A-Z][A-Z0-9_]*$/.test(value)) {
          problems.push({
            path: `${path}.api_key`,
            message:
              'send the name of a secret (e.g. "OPENAI_API_KEY"), never the key itself: keys must not enter run history',
          });
          continue;
        }
        template[fieldName] = { ...(template[fieldName] ?? {}), value };
      }
    }
  }
  return { export: copy, problems };
}
