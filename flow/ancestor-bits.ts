import type { buildGraph } from './graph.js';

/**
 * Ancestor sets of every node on the acyclic part of a graph as bit sets, in one pass over the
 * topological order: O(edges × nodes / 32), where a walk per node would be O(nodes × edges).
 * `has` answers undefined for a node on a cycle (the caller walks for those).
 */
export function ancestorBits(graph: ReturnType<typeof buildGraph>) {
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
