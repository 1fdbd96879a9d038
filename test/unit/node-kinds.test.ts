import { readFileSync, readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { NODE_ERRORS, NODE_KINDS, NODE_TYPES, SECRET_FIELDS, nodeErrorTypes, validateFlow } from '../../flow/index.js';

const README = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');

/** The rows of the first table after `heading` (up to the next heading of that level), as trimmed cells. */
function tableAfter(heading: string): string[][] {
  const start = README.indexOf(`\n${heading}\n`);
  expect(start, `README has a "${heading}" section`).toBeGreaterThan(0);
  const lines = README.slice(start + heading.length + 2).split('\n');
  const first = lines.findIndex((l) => l.startsWith('|'));
  const rows: string[][] = [];
  for (const line of lines.slice(first + 2)) {
    if (!line.startsWith('|')) break;
    rows.push(
      line
        .slice(1, -1)
        .split('|')
        .map((c) => c.trim()),
    );
  }
  return rows;
}

const unquote = (cell: string) => cell.replace(/`/g, '');
const list = (cell: string) => (cell ? cell.split(',').map((c) => unquote(c.trim())) : []);

describe('the node-kind registry and the README', () => {
  it('"### Node types" lists exactly the registry\'s kinds, with where each runs', () => {
    const rows = tableAfter('### Node types');
    expect(rows.map((r) => unquote(r[0])).sort()).toEqual([...NODE_TYPES].sort());
    for (const [type, runsIn] of rows) {
      const kind = NODE_KINDS[unquote(type) as keyof typeof NODE_KINDS];
      expect(runsIn, type).toBe(`${kind.runsIn}${kind.heartbeats ? ', heartbeats' : ''}`);
    }
  });

  it('"#### Error types" lists exactly the catalogue, with retries and the kinds that fail with each', () => {
    const rows = tableAfter('#### Error types');
    expect(rows.map((r) => unquote(r[0])).sort()).toEqual(Object.keys(NODE_ERRORS).sort());
    for (const [type, retried, , kinds] of rows) {
      const name = unquote(type) as keyof typeof NODE_ERRORS;
      expect(retried, type).toBe(NODE_ERRORS[name].retryable ? 'yes' : 'no');
      expect(list(kinds).sort(), type).toEqual(NODE_TYPES.filter((k) => nodeErrorTypes(k).includes(name)).sort());
    }
  });
});

/** Every `ApplicationFailure` type written in the source of a folder (literals and named constants). */
function failureTypesIn(dir: string): Set<string> {
  const found = new Set<string>();
  const root = new URL(`../../${dir}/`, import.meta.url);
  for (const file of readdirSync(root, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.ts'))) {
    const source = readFileSync(new URL(file, root), 'utf8');
    for (const m of source.matchAll(/(?:nonRetryable|retryable)\([\s\S]*?,\s*'([A-Z]\w+)'/g)) found.add(m[1]);
    for (const m of source.matchAll(/type: '([A-Z]\w+)'/g)) found.add(m[1]);
    for (const m of source.matchAll(/^(?:export )?const [A-Z_]+ = '([A-Z][a-z]\w+)';/gm)) found.add(m[1]);
    for (const m of source.matchAll(/^\s+(\w+): '\1',$/gm)) found.add(m[1]);
  }
  return found;
}

describe('the error-type catalogue', () => {
  it('names every failure type the activities and the workflows raise for a node', () => {
    // Not node failures: the event log's own (the run goes on), and the default of a type-less failure.
    const engine = new Set(['EventLogRefused', 'EventLogUnavailable']);
    const raised = [...failureTypesIn('activities'), ...failureTypesIn('workflows')].filter((t) => !engine.has(t));
    expect(raised.length).toBeGreaterThan(20);
    expect(raised.filter((t) => !(t in NODE_ERRORS))).toEqual([]);
  });

  it('lists in some kind every type it catalogues', () => {
    const used = new Set(NODE_TYPES.flatMap((k) => nodeErrorTypes(k)));
    expect(Object.keys(NODE_ERRORS).filter((t) => !used.has(t as keyof typeof NODE_ERRORS))).toEqual([]);
  });
});

describe('validation reads the registry', () => {
  it("allows secrets exactly in the kinds' secret fields", () => {
    expect(SECRET_FIELDS).toEqual({ http: ['url', 'query', 'headers', 'body'], llm: ['baseUrl', 'apiKey'] });
  });

  it('checks the outputs a kind declares, and its JSONata fields', () => {
    const result = validateFlow(
      {
        name: 'kinds',
        nodes: [
          { id: 'c', type: 'condition', params: { expression: 'true' } },
          { id: 't', type: 'transform', params: { expression: '$x(' } },
        ],
        edges: [{ source: 'c', target: 't', sourceHandle: 'maybe' }],
      },
      { checkExpression: (e) => (e.endsWith('(') ? 'unclosed call' : undefined) },
    );
    expect(result.problems).toEqual([
      { path: '$.edges[0].sourceHandle', message: 'a condition has the outputs "true" and "false"' },
      { path: '$.nodes[1].params.expression', message: 'invalid JSONata: unclosed call' },
    ]);
  });

  it('refuses a literal key where a kind wants a secret reference, and names the known kinds', () => {
    const result = validateFlow({
      name: 'kinds',
      nodes: [
        { id: 'a', type: 'agent', params: { prompt: 'hi', apiKey: 'sk-literal' } },
        { id: 'x', type: 'nope' },
      ],
      edges: [],
    });
    expect(result.problems).toEqual([
      {
        path: '$.nodes[0].params.apiKey',
        message: 'must be a secret reference such as "{{secrets.OPENAI_API_KEY}}", never the key itself',
      },
      { path: '$.nodes[1].type', message: `unknown node type "nope"; known types: ${NODE_TYPES.join(', ')}` },
    ]);
  });
});
