/** The workloads of the benchmarks (the durability test shares the loop). */

import type { GraphDef } from '../flow/index.js';

/** A flow definition as the API takes it. */
export type BenchFlow = GraphDef & { name: string };

/** Edges from `source>target` pairs: `edgesOf('in>a', 'a>out')`. */
export function edgesOf(...pairs: string[]): { source: string; target: string }[] {
  return pairs.map((pair) => {
    const [source, target] = pair.split('>');
    return { source, target };
  });
}

/** `in` → n parallel echo nodes → `join`. */
export function fanout(name: string, n: number, durationMs = 0): BenchFlow {
  const ids = Array.from({ length: n }, (_, i) => `n${i}`);
  return {
    name,
    nodes: [
      { id: 'in', type: 'input' },
      ...ids.map((id, i) => ({ id, type: 'echo', params: { value: i, durationMs } })),
      { id: 'join', type: 'echo', params: { value: n } },
    ],
    edges: ids.flatMap((id) => [
      { source: 'in', target: id },
      { source: id, target: 'join' },
    ]),
  };
}

/** n echo nodes one after another. */
export function chain(name: string, n: number): BenchFlow {
  const ids = Array.from({ length: n }, (_, i) => `c${i}`);
  return {
    name,
    nodes: ids.map((id) => ({ id, type: 'echo', params: { value: 1 } })),
    edges: ids.slice(1).map((id, i) => ({ source: ids[i], target: id })),
  };
}

/** A small diamond of five nodes: the unit of the throughput scenario. */
export const FIVE_NODES: BenchFlow = {
  name: 'bench-five',
  nodes: [
    { id: 'in', type: 'input' },
    { id: 'a', type: 'echo', params: { value: '{{in.n}}' } },
    { id: 'b', type: 'echo', params: { value: 'b' } },
    { id: 'c', type: 'echo', params: { value: 'c' } },
    { id: 'out', type: 'output', params: { value: '{{b}}{{c}}' } },
  ],
  edges: edgesOf('in>a', 'a>b', 'a>c', 'b>out', 'c>out'),
};

/** A loop node whose body echoes each item: `{{<itemsFrom>}}` → [{result: item}, …]. */
export function echoLoopNode(id: string, itemsFrom: string, concurrency: number, durationMs?: number) {
  return {
    id,
    type: 'loop',
    params: {
      items: `{{${itemsFrom}}}`,
      concurrency,
      body: {
        nodes: [
          { id: 'n', type: 'input', params: { name: 'item' } },
          { id: 'work', type: 'echo', params: { value: '{{n}}', ...(durationMs ? { durationMs } : {}) } },
          { id: 'result', type: 'output', params: { value: '{{work}}' } },
        ],
        edges: edgesOf('n>work', 'work>result'),
      },
    },
  };
}

/** n transform nodes one after another, each adding one to the last: pure nodes only. */
export function pureChain(name: string, n: number): BenchFlow {
  const ids = Array.from({ length: n }, (_, i) => `t${i}`);
  return {
    name,
    nodes: ids.map((id, i) => ({
      id,
      type: 'transform',
      params: { expression: i === 0 ? '1' : `${ids[i - 1]} + 1` },
    })),
    edges: ids.slice(1).map((id, i) => ({ source: ids[i], target: id })),
  };
}

/**
 * A run whose events flow for a few seconds: a slow first node (watchers connect meanwhile), a
 * diamond and a tail of echoes of `stepMs` each. 7 nodes, 16 events per run.
 */
export function slowDiamond(name: string, firstMs: number, stepMs: number): BenchFlow {
  return {
    name,
    nodes: [
      { id: 'in', type: 'input' },
      { id: 'a', type: 'echo', params: { value: 'a', durationMs: firstMs } },
      { id: 'b', type: 'echo', params: { value: 'b', durationMs: stepMs } },
      { id: 'c', type: 'echo', params: { value: 'c', durationMs: stepMs } },
      { id: 'd', type: 'echo', params: { value: 'd', durationMs: stepMs } },
      { id: 'e', type: 'echo', params: { value: 'e', durationMs: stepMs } },
      { id: 'out', type: 'output', params: { value: '{{b}}{{c}}{{e}}' } },
    ],
    edges: edgesOf('in>a', 'a>b', 'a>c', 'b>d', 'c>d', 'd>e', 'e>out'),
  };
}
