import { readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
  applyLangflowTweaks,
  convertLangflow,
  convertPrompt,
  flowNameOf,
  outputSchema,
  promptVariables,
  toNodeId,
  type LangflowExport,
} from '../../langflow/index.js';
import { validateFlow } from '../../flow/index.js';
import { checkJsonata } from '../../flow/expression-check.js';
import { evaluateArithmetic, htmlToText, parseJsonAnswer } from '../../activities/nodes/agent/index.js';
import jsonata from 'jsonata';
import { langflowEdge, langflowNode } from '../helpers/langflow-export.js';

// The Langflow starter projects in shared/, beside this checkout (as CI lays it out).
// LANGFLOW_STARTERS_DIR points elsewhere (e.g. from a git worktree, where ../shared is not beside the checkout).
const SHARED = process.env.LANGFLOW_STARTERS_DIR
  ? `${process.env.LANGFLOW_STARTERS_DIR.replace(/\/$/, '')}/`
  : fileURLToPath(new URL('../../../shared/langflow/', import.meta.url));
const own = (file: string) =>
  JSON.parse(readFileSync(new URL(`../fixtures/langflow/${file}`, import.meta.url), 'utf8')) as LangflowExport;

/** A small export in Langflow's format, written here (not copied from Langflow). */
function exportOf(
  nodes: [string, string, Record<string, unknown>, boolean?][],
  edges: [string, string, string, string][],
): LangflowExport {
  return {
    name: 'Own Flow',
    data: {
      nodes: nodes.map(([id, type, values, tool]) => langflowNode(id, type, values, tool)),
      edges: edges.map(([source, output, target, fieldName]) => langflowEdge(source, output, target, fieldName)),
    },
  };
}

describe('convertLangflow', () => {
  it.each(readdirSync(SHARED).filter((f) => f.endsWith('.json')))(
    'converts %s to a valid native flow with nothing unsupported',
    (file) => {
      const result = convertLangflow(JSON.parse(readFileSync(`${SHARED}${file}`, 'utf8')));
      expect(result.unsupported).toEqual([]);
      const checked = validateFlow(result.definition, { checkExpression: checkJsonata });
      expect(checked.problems).toEqual([]);
    },
  );

  it('turns prompt variables into placeholders fed by edges, literals otherwise', () => {
    const exp = exportOf(
      [
        ['ChatInput-1', 'ChatInput', { input_value: 'hi' }],
        ['Prompt-2', 'Prompt', { template: 'Topic: {topic}; tone: {tone}; literal {{braces}}', tone: 'calm' }],
        ['ChatOutput-3', 'ChatOutput', {}],
      ],
      [
        ['ChatInput-1', 'message', 'Prompt-2', 'topic'],
        ['Prompt-2', 'prompt', 'ChatOutput-3', 'input_value'],
      ],
    );
    const { definition } = convertLangflow(exp);
    const prompt = definition.nodes.find((n) => n.id === 'Prompt-2')!;
    expect(prompt).toMatchObject({
      type: 'template',
      params: { template: 'Topic: {{ChatInput-1.text}}; tone: calm; literal {braces}' },
    });
    expect(definition.nodes.find((n) => n.id === 'ChatOutput-3_out')).toMatchObject({
      type: 'output',
      params: { name: 'ChatOutput-3', value: '{{ChatOutput-3}}' },
    });
    expect(validateFlow(definition).problems).toEqual([]);
  });

  it('supports double-bracket prompts, TextInput/TextOutput and StructuredOutput', () => {
    const exp = exportOf(
      [
        ['TextInput-1', 'TextInput', { input_value: 'x' }],
        ['Prompt Template-2', 'Prompt Template', { template: 'Say {{word}} {not_a_var}', use_double_brackets: true }],
        [
          'StructuredOutput-3',
          'StructuredOutput',
          { output_schema: [{ name: 'word', type: 'str', description: 'a word', multiple: 'False' }] },
        ],
        ['ParserComponent-4', 'ParserComponent', { pattern: 'W={word}', mode: 'Parser', sep: '\n' }],
        ['TextOutput-5', 'TextOutput', {}],
      ],
      [
        ['TextInput-1', 'text', 'Prompt Template-2', 'word'],
        ['Prompt Template-2', 'prompt', 'StructuredOutput-3', 'input_value'],
        ['StructuredOutput-3', 'structured_output', 'ParserComponent-4', 'input_data'],
        ['ParserComponent-4', 'parsed_text', 'TextOutput-5', 'input_value'],
      ],
    );
    const result = convertLangflow(exp);
    expect(result.unsupported).toEqual([]);
    const byId = Object.fromEntries(result.definition.nodes.map((n) => [n.id, n]));
    expect(byId['Prompt_Template-2'].params!.template).toBe('Say {{TextInput-1.text}} {not_a_var}');
    expect(byId['StructuredOutput-3']).toMatchObject({
      type: 'agent',
      params: { maxIterations: 1, outputSchema: { properties: { word: { type: 'string' } } } },
    });
    expect(result.ids['Prompt Template-2']).toBe('Prompt_Template-2');
    expect(validateFlow(result.definition, { checkExpression: checkJsonata }).problems).toEqual([]);
  });

  it('folds tool-mode components into the agent and lists what cannot be mapped', () => {
    const exp = exportOf(
      [
        ['ChatInput-1', 'ChatInput', {}],
        ['URLComponent-2', 'URLComponent', { headers: [{ key: 'User-Agent', value: 'x' }], timeout: 5 }, true],
        ['SerpAPI-3', 'SerpAPI', {}, true],
        ['Agent-4', 'Agent', { add_calculator_tool: true, api_key: 'sk-literal-key' }],
        ['LoopComponent-5', 'LoopComponent', {}],
      ],
      [
        ['ChatInput-1', 'message', 'Agent-4', 'input_value'],
        ['URLComponent-2', 'component_as_tool', 'Agent-4', 'tools'],
        ['SerpAPI-3', 'component_as_tool', 'Agent-4', 'tools'],
      ],
    );
    const result = convertLangflow(exp);
    expect(result.unsupported).toEqual([
      { id: 'SerpAPI-3', type: 'SerpAPI', reason: expect.stringContaining('tool mode') },
      { id: 'LoopComponent-5', type: 'LoopComponent', reason: expect.stringContaining('no loop body') },
      { id: 'Agent-4', type: 'Agent', reason: expect.stringContaining('literal key') },
    ]);
    expect(result.components.find((c) => c.id === 'URLComponent-2')).toMatchObject({
      status: 'tool',
      nodes: ['Agent-4'],
    });
    expect(validateFlow(result.definition).problems).toEqual([]);
  });

  it('turns a Langflow loop (a cycle through the Loop’s item) into a loop node with an inline body', () => {
    const result = convertLangflow(own('row-lines.json'));
    expect(result.unsupported).toEqual([]);
    const loop = result.definition.nodes.find((n) => n.id === 'LoopComponent-l1')!;
    expect(loop.type).toBe('loop');
    const body = loop.params!.body as { nodes: { id: string; type: string }[] };
    expect(body.nodes.map((n) => `${n.id}:${n.type}`)).toEqual([
      '__tempoflow_loop_item:input',
      'ParserComponent-p1:transform',
      '__tempoflow_loop_result:output',
    ]);
    expect(result.definition.nodes.map((n) => n.id)).not.toContain('ParserComponent-p1');
    expect(result.definition.edges).toContainEqual({ source: 'LoopComponent-l1_done', target: 'ChatOutput-o1' });
    expect(validateFlow(result.definition, { checkExpression: checkJsonata }).problems).toEqual([]);
  });

  it('maps a named API key to a secret reference', () => {
    const exp = exportOf(
      [['LanguageModelComponent-1', 'LanguageModelComponent', { api_key: 'OPENAI_API_KEY', input_value: 'q' }]],
      [],
    );
    const node = convertLangflow(exp).definition.nodes[0];
    expect(node).toMatchObject({ type: 'llm', params: { apiKey: '{{secrets.OPENAI_API_KEY}}', prompt: 'q' } });
  });

  it('reports our own fixture’s vector store as unsupported', () => {
    expect(convertLangflow(own('vector-answer.json')).unsupported.map((u) => u.id)).toEqual(['AstraDB-bbbb2']);
  });

  it('names flows from endpoint_name, else from the name', () => {
    expect(flowNameOf({ endpoint_name: 'my-flow', name: 'X' })).toBe('my-flow');
    expect(flowNameOf({ endpoint_name: null, name: 'Financial Report Parser' })).toBe('financial-report-parser');
    expect(toNodeId('Prompt Template-3URhM')).toBe('Prompt_Template-3URhM');
  });

  it('turns an output_schema table into JSON Schema', () => {
    expect(outputSchema([{ name: 'n', type: 'int', multiple: 'True' }])).toEqual({
      type: 'object',
      properties: { n: { type: 'array', items: { type: 'integer' } } },
      required: ['n'],
      additionalProperties: false,
    });
    expect(outputSchema([])).toBeUndefined();
  });

  it('renders a parser pattern over one Data or many rows', async () => {
    const exp = exportOf(
      [
        ['ChatInput-1', 'ChatInput', {}],
        ['ParserComponent-2', 'ParserComponent', { pattern: '{a}-{b}', sep: '|' }],
      ],
      [['ChatInput-1', 'message', 'ParserComponent-2', 'input_data']],
    );
    const expression = String(convertLangflow(exp).definition.nodes[1].params!.expression);
    const evaluate = (v: unknown) => jsonata(expression).evaluate({ 'ChatInput-1': v });
    expect(await evaluate({ a: 1, b: 'x' })).toBe('1-x');
    expect(await evaluate([{ a: 1, b: 2 }, { data: { a: 3, b: 4 } }])).toBe('1-2|3-4');
  });
});

describe('prompts and tweaks', () => {
  it('finds variables in both bracket modes', () => {
    expect(promptVariables('{a} {{b}} {c}', false)).toEqual(['a', 'c']);
    expect(promptVariables('{a} {{b}}', true)).toEqual(['b']);
    expect(convertPrompt('{{x}}', false, () => 'V')).toBe('{x}');
  });

  it('applies tweaks by id or display name, and refuses unknown components and literal keys', () => {
    const exp = exportOf([['Agent-1', 'Agent', { system_prompt: 'a' }]], []);
    const ok = applyLangflowTweaks(exp, { 'Agent component': { system_prompt: 'b' } });
    expect(ok.problems).toEqual([]);
    expect(ok.export.data.nodes[0].data!.node!.template!.system_prompt.value).toBe('b');
    expect(exp.data.nodes[0].data!.node!.template!.system_prompt.value).toBe('a');
    const bad = applyLangflowTweaks(exp, { Missing: {}, 'Agent-1': { api_key: 'sk-123' } });
    expect(bad.problems.map((p) => p.path)).toEqual(['$.tweaks["Missing"]', '$.tweaks["Agent-1"].api_key']);
  });
});

describe('agent tool helpers', () => {
  it('evaluates arithmetic only', () => {
    expect(evaluateArithmetic('(2 + 3) * 4 - 2 ** 3 / 4')).toBe(18);
    expect(() => evaluateArithmetic('process.exit()')).toThrow(/unexpected/);
  });
  it('reads a JSON answer, fenced or bare', () => {
    expect(parseJsonAnswer('```json\n{"a":1}\n```')).toEqual({ a: 1 });
    expect(parseJsonAnswer('Here: {"a":2} done')).toEqual({ a: 2 });
  });
  it('turns HTML into text', () => {
    expect(htmlToText('<p>a &amp; b</p><script>x()</script><p>c</p>')).toBe('a & b\nc');
  });
});
