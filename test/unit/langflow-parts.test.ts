import { describe, expect, it } from 'vitest';
import type { LangflowEdge, LangflowExport, LangflowNode } from '../../langflow/index.js';
import { langflowEdge, langflowNode } from '../helpers/langflow-export.js';
import { convertLangflow } from '../../langflow/convert.js';
import { nativeEdges, nativeIds, topoOrder } from '../../langflow/graph.js';
import { bodyExport, loopBody } from '../../langflow/loop-body.js';
import { convertPrompt, jsonataPath } from '../../langflow/prompt.js';
import { headersOf, modelSettings, outputSchema } from '../../langflow/settings.js';
import { DEFAULT_WEB_SEARCH_URL, isTool, toolFor } from '../../langflow/tools.js';

// The converter's pieces on their own: each is pure, so each is tested without a flow around it.

const node = langflowNode;
const edge = langflowEdge;

describe('graph', () => {
  it('gives clashing Langflow ids distinct native ids', () => {
    expect(nativeIds([node('a b', 'X'), node('a_b', 'X'), node('a?b', 'X'), node('', 'X')])).toEqual({
      'a b': 'a_b',
      a_b: 'a_b_2',
      'a?b': 'a_b_3',
      '': 'node',
    });
  });

  it('orders sources before readers and puts nodes on a cycle last', () => {
    const nodes = [node('c', 'X'), node('b', 'X'), node('a', 'X'), node('x', 'X'), node('y', 'X')];
    const edges = [
      edge('a', 'o', 'b', 'f'),
      edge('b', 'o', 'c', 'f'),
      edge('x', 'o', 'y', 'f'),
      edge('y', 'o', 'x', 'f'),
    ];
    expect(topoOrder(nodes, edges).map((n) => n.id)).toEqual(['a', 'b', 'c', 'x', 'y']);
  });

  it('keeps one native edge per pair, drops self-loops, tool edges and folded nodes, and follows via', () => {
    const ids = { a: 'a', b: 'b', t: 't', l: 'l' };
    const edges = nativeEdges(
      [
        edge('a', 'x', 'b', 'f'),
        edge('a', 'y', 'b', 'g'),
        edge('b', 'x', 'b', 'f'),
        edge('t', 'component_as_tool', 'b', 'tools'),
        edge('l', 'done', 'b', 'f'),
        edge('gone', 'x', 'b', 'f'),
      ],
      ids,
      new Map([['l', 'l_done']]),
      new Set(['a', 'b', 't', 'l', 'l_done']),
      [{ source: 'l', target: 'l_done' }],
    );
    expect(edges).toEqual([
      { source: 'l', target: 'l_done' },
      { source: 'a', target: 'b' },
      { source: 'l_done', target: 'b' },
    ]);
  });
});

describe('loop bodies', () => {
  const nodes = [node('loop', 'LoopComponent'), node('p', 'ParserComponent'), node('q', 'X'), node('out', 'X')];
  const edges = [
    edge('loop', 'item', 'p', 'input_data'),
    edge('p', 'parsed_text', 'q', 'input_value'),
    edge('q', 'text', 'loop', 'item'),
    edge('loop', 'done', 'out', 'input_value'),
  ];

  it('finds the components on the cycle through the item, and nothing without a loop-back edge', () => {
    expect(loopBody(nodes[0], nodes, edges)).toEqual({ members: new Set(['p', 'q']), outside: [] });
    expect(loopBody(nodes[0], nodes, edges.slice(0, 2))).toBeUndefined();
  });

  it('names the outside components a body reads', () => {
    const more = [...nodes, node('side', 'X')];
    expect(loopBody(more[0], more, [...edges, edge('side', 'text', 'q', 'other')])?.outside).toEqual(['side']);
  });

  it('cuts the body out as an export of its own between an item input and a result output', () => {
    const body = loopBody(nodes[0], nodes, edges)!;
    const exp = bodyExport(nodes[0], body, nodes, edges);
    expect(exp.data.nodes.map((n) => n.id)).toEqual(['__tempoflow_loop_item', 'p', 'q', '__tempoflow_loop_result']);
    expect(exp.data.edges.map((e) => `${e.source}>${e.target}`)).toEqual([
      '__tempoflow_loop_item>p',
      'p>q',
      'q>__tempoflow_loop_result',
    ]);
  });
});

describe('tools', () => {
  it('names a tool from tools_metadata (made a valid name) and keeps the defaults otherwise', () => {
    const named = node('u', 'URLComponent', {
      tools_metadata: [
        { name: 'off', status: false },
        { name: 'get page!', description: 'Reads a page.' },
      ],
      timeout: 2,
      headers: [{ key: 'x-a', value: 1 }, { value: 'no key' }],
    });
    expect(toolFor(named, {})).toEqual({
      tool: {
        kind: 'url_fetch',
        name: 'get_page_',
        description: 'Reads a page.',
        config: { headers: { 'x-a': '1' }, timeoutMs: 2000, format: 'text' },
        source: 'u',
      },
      notes: ['fetches the given pages only (max_depth crawling is not done)'],
    });
    expect(toolFor(node('c', 'CalculatorComponent'), {})).toMatchObject({
      tool: { kind: 'calculator', name: 'evaluate_expression', source: 'c' },
      notes: [],
    });
  });

  it('points web search at the given endpoint, DuckDuckGo by default', () => {
    const search = node('w', 'UnifiedWebSearch');
    expect(toolFor(search, {})).toMatchObject({ tool: { config: { url: DEFAULT_WEB_SEARCH_URL } } });
    expect(toolFor(search, { webSearchUrl: 'http://searx/search' })).toMatchObject({
      tool: { kind: 'http', config: { method: 'GET', url: 'http://searx/search', query: { q: '{{args.query}}' } } },
    });
  });

  it('says why a component has no tool, also for names of Object.prototype', () => {
    expect(toolFor(node('x', 'Weird'), {})).toBe(
      'no agent-tool mapping for the Langflow component "Weird" in tool mode',
    );
    expect(toolFor(node('x', 'constructor'), {})).toMatch(/no agent-tool mapping/);
  });

  it('counts a component as a tool when flagged or when it feeds a tool output', () => {
    expect(isTool(node('a', 'X', {}, true), [])).toBe(true);
    expect(isTool(node('a', 'X'), [edge('a', 'component_as_tool', 'b', 'tools')])).toBe(true);
    expect(isTool(node('a', 'X'), [edge('a', 'text', 'b', 'tools')])).toBe(false);
  });
});

describe('settings', () => {
  it('reads the model from a model list, Ollama URLs as OpenAI-compatible, key names as secrets', () => {
    const notes: string[] = [];
    const n = node('m', 'X', {
      model: [{ name: 'llama3' }],
      ollama_base_url: 'http://ollama:11434/',
      provider: 'Ollama',
    });
    n.data!.node!.template!.api_key = { value: 'my-key-name', load_from_db: true };
    expect(modelSettings(n, notes)).toEqual({
      model: 'llama3',
      baseUrl: 'http://ollama:11434/v1',
      apiKey: '{{secrets.my-key-name}}',
    });
    expect(notes).toEqual(['provider "Ollama" is called through its OpenAI-compatible API']);
  });

  it('refuses a literal API key and notes what the worker will decide', () => {
    expect(modelSettings(node('m', 'X', { api_key: 'sk-abc123' }), [])).toMatch(/literal key/);
    const notes: string[] = [];
    expect(modelSettings(node('m', 'X'), notes)).toEqual({});
    expect(notes).toHaveLength(2);
  });

  it('reads a headers table and an output schema with unknown types as strings', () => {
    expect(headersOf([{ key: 'a', value: null }, null, { key: '', value: 'x' }])).toEqual({ a: '' });
    expect(headersOf('nope')).toEqual({});
    expect(outputSchema([{ name: 'x', type: 'constructor' }, { name: '' }])).toEqual({
      type: 'object',
      properties: { x: { type: 'string' } },
      required: ['x'],
      additionalProperties: false,
    });
  });
});

describe('prompts', () => {
  it('reads {{ and }} as literal braces and leaves a brace without a variable name alone', () => {
    expect(convertPrompt('{{a}} {b} { c } {1x} {', false, (v) => `<${v}>`)).toBe('{a} <b> <c> {1x} {');
  });

  it('quotes odd path segments for JSONata', () => {
    expect(jsonataPath({ root: 'Parser-1', path: ['rows', 'my key'] })).toBe('`Parser-1`.rows.`my key`');
  });
});

describe('component mapping', () => {
  const exportOf = (nodes: LangflowNode[], edges: LangflowEdge[] = []): LangflowExport => ({
    name: 'parts',
    data: { nodes, edges },
  });

  it('refuses a component whose type is a name of Object.prototype', () => {
    const result = convertLangflow(exportOf([node('x', 'constructor')]));
    expect(result.unsupported).toEqual([
      { id: 'x', type: 'constructor', reason: 'no Tempoflow mapping for the Langflow component "constructor"' },
    ]);
  });

  it('makes a chat output a run output and reads what feeds it whole', () => {
    const result = convertLangflow(
      exportOf([node('in', 'ChatInput'), node('out', 'ChatOutput')], [edge('in', 'message', 'out', 'input_value')]),
    );
    expect(result.outputs).toEqual({ out: { id: 'out', type: 'ChatOutput', displayName: 'ChatOutput component' } });
    expect(result.definition.nodes.map((n) => [n.id, n.type, n.params?.text])).toEqual([
      ['in', 'message', '{{inputs.input_value}}'],
      ['out', 'message', '{{in}}'],
      ['out_out', 'output', undefined],
    ]);
    expect(result.components.find((c) => c.id === 'out')?.nodes).toEqual(['out', 'out_out']);
  });

  it('gives a Structured Output one iteration and refuses it without a schema', () => {
    const schema = [{ name: 'n', type: 'int' }];
    const ok = convertLangflow(exportOf([node('s', 'StructuredOutput', { output_schema: schema, input_value: 'q' })]));
    expect(ok.definition.nodes[0].params).toMatchObject({ maxIterations: 1, prompt: 'q' });
    expect(ok.definition.nodes[0].params).not.toHaveProperty('sessionId');
    const refused = convertLangflow(exportOf([node('s', 'StructuredOutput', { input_value: 'q' })]));
    expect(refused.unsupported[0].reason).toMatch(/output_schema is empty/);
  });

  it('refuses a tool that feeds no Agent', () => {
    const result = convertLangflow(
      exportOf(
        [node('c', 'CalculatorComponent', {}, true), node('l', 'LanguageModelComponent', { input_value: 'q' })],
        [edge('c', 'component_as_tool', 'l', 'tools')],
      ),
    );
    expect(result.unsupported).toEqual([
      {
        id: 'c',
        type: 'CalculatorComponent',
        reason: 'a component in tool mode must feed the "tools" input of an Agent',
      },
    ]);
  });
});
