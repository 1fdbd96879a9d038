import { describe, expect, it } from 'vitest';
import { FLOW_LIMITS, flowNestingProblems, flowSizeProblems, validateFlow, type GraphDef } from '../../flow/index.js';
import { parseApiKeys } from '../../infra/index.js';
import { jsonProblem } from '../../api/fences.js';

const sub = (flow: string) => ({ nodes: [{ id: 's', type: 'subflow', params: { flow } }] }) as Pick<GraphDef, 'nodes'>;
const leaf = { nodes: [{ id: 'e', type: 'echo' }] } as Pick<GraphDef, 'nodes'>;

describe('flow limits', () => {
  it('refuses an 8,000-node flow by its size alone, naming the limit', () => {
    const nodes = Array.from({ length: 8000 }, (_, i) => ({
      id: `n${i}`,
      type: 'echo',
      params: { value: `{{n${i - 1}}}` },
    }));
    const edges = nodes.slice(1).map((n, i) => ({ source: `n${i}`, target: n.id }));
    const result = validateFlow({ name: 'big', nodes, edges });
    expect(result.ok).toBe(false);
    expect(result.problems).toEqual([
      { path: '$.nodes', message: `the flow has 8000 nodes; the limit is ${FLOW_LIMITS.nodes}` },
      { path: '$.edges', message: `the flow has 7999 edges; the limit is ${FLOW_LIMITS.edges}` },
      { path: '$', message: expect.stringMatching(/^the definition is \d+ bytes; the limit is 524288 bytes$/) },
    ]);
  });

  it('counts inline loop bodies towards nodes and edges', () => {
    const body = { nodes: Array.from({ length: 600 }, (_, i) => ({ id: `b${i}`, type: 'echo' })) };
    const def = {
      name: 'x',
      nodes: [
        { id: 'l1', type: 'loop', params: { items: [], body } },
        { id: 'l2', type: 'loop', params: { items: [], body } },
      ],
    };
    expect(flowSizeProblems(def)).toEqual([{ path: '$.nodes', message: 'the flow has 1202 nodes; the limit is 1000' }]);
  });
});

describe('flows that reach themselves', () => {
  it('finds a self-reference, a cycle through stored flows, and one that does not involve the root', () => {
    expect(flowNestingProblems('a', sub('a'), () => undefined)).toEqual([
      { path: '$.nodes[0].params.flow', message: expect.stringContaining('a → a') },
    ]);
    const lib: Record<string, Pick<GraphDef, 'nodes'>> = { b: sub('c'), c: sub('a') };
    expect(flowNestingProblems('a', sub('b'), (n) => lib[n])[0].message).toContain('a → b → c → a');
    const loop: Record<string, Pick<GraphDef, 'nodes'>> = { b: sub('c'), c: sub('b') };
    expect(flowNestingProblems('a', sub('b'), (n) => loop[n])[0].message).toContain(
      '"b" is part of a cycle: b → c → b',
    );
  });

  it('bounds nesting depth across stored flows, and allows a diamond', () => {
    const chain: Record<string, Pick<GraphDef, 'nodes'>> = { f0: leaf };
    for (let i = 1; i <= 9; i++) chain[`f${i}`] = sub(`f${i - 1}`);
    expect(flowNestingProblems('top', sub('f7'), (n) => chain[n])).toEqual([]);
    expect(flowNestingProblems('top', sub('f8'), (n) => chain[n])[0].message).toMatch(
      /^nesting depth 9 \(top → f8 → f7 .* → f0\) exceeds the limit; the limit is 8/,
    );
    const diamond: Record<string, Pick<GraphDef, 'nodes'>> = {
      b: sub('d'),
      c: sub('d'),
      d: leaf,
    };
    const root = { nodes: [...sub('b').nodes, { id: 't', type: 'subflow', params: { flow: 'c' } }] } as Pick<
      GraphDef,
      'nodes'
    >;
    expect(flowNestingProblems('a', root, (n) => diamond[n])).toEqual([]);
  });
});

describe('API inputs', () => {
  it('names keys: name:key, or key-<hash> for a plain key', () => {
    expect(parseApiKeys(['alice:s3cret', 'plain', ':odd', 'bad name:x'])).toEqual([
      { name: 'alice', key: 's3cret' },
      { name: expect.stringMatching(/^key-[0-9a-f]{8}$/), key: 'plain' },
      { name: expect.stringMatching(/^key-/), key: ':odd' },
      { name: expect.stringMatching(/^key-/), key: 'bad name:x' },
    ]);
  });

  it('finds NUL characters and deep nesting without recursion', () => {
    let deep: unknown = 1;
    for (let i = 0; i < 100_000; i++) deep = [deep];
    expect(jsonProblem(deep)?.message).toBe('is nested deeper than 64 levels');
    expect(jsonProblem({ a: [{ b: 'x\u0000' }] })).toEqual({
      path: '$.a[0].b',
      message: expect.stringContaining('NUL'),
    });
    expect(jsonProblem({ a: [1, 'ok', { b: null }] })).toBeUndefined();
  });
});
