import type { GraphDef } from './schema.js';
import { jsonPath } from './problems.js';

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
    if (
      node.type === 'loop' &&
      typeof params.body === 'object' &&
      Array.isArray((params.body as { nodes?: unknown } | null)?.nodes)
    ) {
      return flowReferences(params.body as Pick<GraphDef, 'nodes'>, [...prefix, 'nodes', i, 'params', 'body']);
    }
    return [];
  });
}
