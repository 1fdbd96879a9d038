import { describe, expect, it } from 'vitest';
import {
  validateFlow,
  resolvePlaceholders,
  getPath,
  applyTweaks,
  buildGraph,
  descendants,
  ancestors,
} from '../../flow/index.js';
import { checkJsonata } from '../../flow/expression-check.js';

const ok = {
  name: 'ok',
  nodes: [
    { id: 'in', type: 'input' },
    { id: 'c', type: 'condition', params: { expression: 'in.n > 1' } },
    { id: 'yes', type: 'template', params: { template: 'big {{in.n}}' } },
    { id: 'no', type: 'template', params: { template: 'small' } },
    { id: 'out', type: 'output', params: { value: '{{yes}}{{no}}' } },
  ],
  edges: [
    { source: 'in', target: 'c' },
    { source: 'c', target: 'yes', sourceHandle: 'true' },
    { source: 'c', target: 'no', sourceHandle: 'false' },
    { source: 'yes', target: 'out' },
    { source: 'no', target: 'out' },
  ],
};

describe('validateFlow', () => {
  it('accepts a valid flow', () => {
    const result = validateFlow(ok, { checkExpression: checkJsonata });
    expect(result.problems).toEqual([]);
    expect(result.ok).toBe(true);
  });

  it('lists every problem at once, each with a JSON path', () => {
    const result = validateFlow(
      {
        name: 'Bad Name',
        nodes: [
          { id: 'a', type: 'input' },
          { id: 'a', type: 'echo' },
          { id: 'b', type: 'frobnicate' },
          { id: 'c', type: 'transform', params: { expression: '$$$(' } },
          { id: 'd', type: 'template', params: { template: '{{e.x}} {{ghost}}' } },
          { id: 'e', type: 'echo', params: { durationMs: 'soon' } },
          { id: 'f', type: 'echo' },
          { id: 'g', type: 'echo' },
          { id: 'h', type: 'delay', params: { duration: '{{secrets.X}}' } },
        ],
        edges: [
          { source: 'a', target: 'missing' },
          { source: 'f', target: 'g' },
          { source: 'g', target: 'f' },
        ],
      },
      { checkExpression: checkJsonata },
    );
    expect(result.ok).toBe(false);
    const paths = result.problems.map((p) => p.path);
    expect(paths).toEqual(
      expect.arrayContaining([
        '$.name',
        '$.nodes[1].id',
        '$.nodes[2].type',
        '$.nodes[3].params.expression',
        '$.nodes[4].params.template',
        '$.nodes[5].params.durationMs',
        '$.edges[0].target',
        '$.edges[1]',
        '$.edges[2]',
        '$.nodes[8].params.duration',
      ]),
    );
    const byPath = Object.fromEntries(result.problems.map((p) => [p.path, p.message]));
    expect(byPath['$.nodes[2].type']).toMatch(/unknown node type "frobnicate"/);
    expect(byPath['$.edges[1]']).toMatch(/cycle/);
    expect(result.problems.find((p) => p.message.includes('"e"'))?.message).toMatch(/not an ancestor/);
    expect(result.problems.find((p) => p.message.includes('ghost'))?.message).toMatch(/not a node/);
  });

  it('validates inline loop bodies with their own paths', () => {
    const result = validateFlow({
      name: 'loop',
      nodes: [
        { id: 'l', type: 'loop', params: { items: [1], body: { nodes: [{ id: 'x', type: 'wat' }], edges: [] } } },
      ],
    });
    expect(result.problems.map((p) => p.path)).toContain('$.nodes[0].params.body.nodes[0].type');
  });

  it('refuses an llm apiKey that is not a secret reference, and an approval inside a loop body', () => {
    const result = validateFlow({
      name: 'rules',
      nodes: [
        { id: 'ask', type: 'llm', params: { model: 'm', prompt: 'p', apiKey: 'sk-live-123' } },
        { id: 'l', type: 'loop', params: { items: [1], body: { nodes: [{ id: 'ok', type: 'approval' }], edges: [] } } },
      ],
    });
    expect(result.problems).toEqual([
      { path: '$.nodes[0].params.apiKey', message: expect.stringContaining('secret reference') },
      { path: '$.nodes[1].params.body.nodes[0].type', message: expect.stringContaining('loop body') },
    ]);
  });

  it('refuses garbage without throwing', () => {
    for (const input of [null, 42, 'x', [], { nodes: 'no' }, { name: 'a', nodes: [null, 3, { id: 5 }] }]) {
      const result = validateFlow(input);
      expect(result.ok).toBe(false);
      expect(result.problems.length).toBeGreaterThan(0);
    }
  });
});

describe('placeholders', () => {
  const values: Record<string, unknown> = {
    inputs: { n: 3, list: [1, 2] },
    page: { body: { title: 'T', tags: ['a'] } },
  };
  const lookup = (ref: { root: string; path: (string | number)[] }) => ({
    found: true as const,
    value: getPath(values[ref.root], ref.path),
  });
  it('keeps JSON types for a whole placeholder and interpolates inside strings', () => {
    expect(resolvePlaceholders('{{inputs.n}}', lookup)).toBe(3);
    expect(resolvePlaceholders('{{ inputs.list }}', lookup)).toEqual([1, 2]);
    expect(resolvePlaceholders('n={{inputs.n}} t={{page.body.tags[0]}} o={{page.body}}', lookup)).toBe(
      'n=3 t=a o={"title":"T","tags":["a"]}',
    );
    expect(resolvePlaceholders({ a: ['{{page.body.title}}'], b: 1 }, lookup)).toEqual({ a: ['T'], b: 1 });
    expect(resolvePlaceholders('{{page.nothing}}', lookup)).toBeNull();
  });
});

describe('graph and tweaks', () => {
  it('finds ancestors and descendants', () => {
    const g = buildGraph(ok as never);
    expect([...ancestors(g, 'out')].sort()).toEqual(['c', 'in', 'no', 'yes']);
    expect([...descendants(g, 'c')].sort()).toEqual(['no', 'out', 'yes']);
  });
  it('applies tweaks and reports unknown nodes', () => {
    const { definition, problems } = applyTweaks(ok as never, { yes: { template: 'T' }, zz: { a: 1 } });
    expect(definition.nodes.find((n) => n.id === 'yes')!.params).toEqual({ template: 'T' });
    expect(problems).toEqual([{ path: '$.tweaks["zz"]', message: expect.stringContaining('no node "zz"') }]);
  });
});
