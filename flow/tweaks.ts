import type { FlowDefinition } from './schema.js';
import type { Problem } from './problems.js';

export type Tweaks = Record<string, Record<string, unknown>>;

/** Overrides params per node for one run; a tweak naming a missing node is a problem at `$.tweaks.<id>`. */
export function applyTweaks(
  def: FlowDefinition,
  tweaks: Tweaks | undefined,
): { definition: FlowDefinition; problems: Problem[] } {
  if (!tweaks || Object.keys(tweaks).length === 0) return { definition: def, problems: [] };
  const ids = new Set(def.nodes.map((n) => n.id));
  const problems: Problem[] = Object.keys(tweaks)
    .filter((id) => !ids.has(id))
    .map((id) => ({ path: `$.tweaks[${JSON.stringify(id)}]`, message: `no node "${id}" in flow "${def.name}"` }));
  const definition = {
    ...def,
    nodes: def.nodes.map((n) => (tweaks[n.id] ? { ...n, params: { ...(n.params ?? {}), ...tweaks[n.id] } } : n)),
  };
  return { definition, problems };
}
