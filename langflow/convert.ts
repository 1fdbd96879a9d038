import { FLOW_NAME_PATTERN, type AgentTool, type EdgeDef, type FlowDefinition, type NodeDef } from '../flow/index.js';
import {
  componentType,
  displayName,
  edgeEnds,
  field,
  fieldValue,
  isNote,
  type LangflowEdge,
  type LangflowExport,
  type LangflowNode,
} from './export.js';

export type ComponentStatus = 'mapped' | 'tool' | 'ignored' | 'unsupported';

/** What one Langflow component became. */
export interface ComponentReport {
  id: string;
  type: string;
  displayName: string;
  status: ComponentStatus;
  /** Native node ids (for a tool: the agent that carries it). */
  nodes: string[];
  /** e.g. `message`, `llm`, `agent tool url_fetch`. */
  as?: string;
  reason?: string;
  notes?: string[];
}

export interface UnsupportedComponent {
  id: string;
  type: string;
  reason: string;
}

export interface ConvertOptions {
  /** Flow name to store under (default: endpoint_name when valid, else the export's name as a slug). */
  name?: string;
  /** Base URL of the `http` tool that stands in for Langflow's web search (a SearXNG-style `?q=` endpoint). */
  webSearchUrl?: string;
}

export interface ConvertResult {
  definition: FlowDefinition;
  components: ComponentReport[];
  unsupported: UnsupportedComponent[];
  /** Langflow node id → native node id. */
  ids: Record<string, string>;
  /** Native output name → the Langflow output component it stands for. */
  outputs: Record<string, { id: string; type: string; displayName: string }>;
}

export const DEFAULT_WEB_SEARCH_URL = 'https://html.duckduckgo.com/html/';

/** A value another component reads: a native node's output, or a path into it. */
interface Ref {
  root: string;
  path: string[];
}

const placeholder = (ref: Ref) => `{{${[ref.root, ...ref.path].join('.')}}}`;

/** Langflow ids may hold spaces ("Prompt Template-3URhM"); native ids are `[A-Za-z0-9_-]{1,64}`. */
export function toNodeId(langflowId: string): string {
  return langflowId.replace(/[^A-Za-z0-9_-]/g, '_').slice(0, 64) || 'node';
}

export function flowNameOf(exp: Pick<LangflowExport, 'endpoint_name' | 'name'>): string {
  if (typeof exp.endpoint_name === 'string' && FLOW_NAME_PATTERN.test(exp.endpoint_name)) return exp.endpoint_name;
  const slug = String(exp.endpoint_name || exp.name || 'langflow-flow')
    .toLowerCase()
    .normalize('NFKD')
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 63)
    .replace(/-+$/, '');
  return slug || 'langflow-flow';
}

const TOOL_OUTPUT = 'component_as_tool';

/**
 * Converts a Langflow export into a native flow definition and a per-component report. Pure: no
 * I/O. Unsupported components become `unsupported` nodes (so the graph stays whole) and are listed.
 */
export function convertLangflow(exp: LangflowExport, options: ConvertOptions = {}): ConvertResult {
  const lfNodes = exp.data.nodes;
  const lfEdges = exp.data.edges ?? [];
  const byId = new Map(lfNodes.map((n) => [n.id, n]));
  const ids: Record<string, string> = {};
  const taken = new Set<string>();
  for (const n of lfNodes) {
    let id = toNodeId(n.id);
    for (let i = 2; taken.has(id); i++) id = `${toNodeId(n.id).slice(0, 60)}_${i}`;
    taken.add(id);
    ids[n.id] = id;
  }
  const incoming = (id: string) =>
    lfEdges.filter((e) => e.target === id && byId.has(e.source)).map((e) => ({ edge: e, ...edgeEnds(e) }));
  const isTool = (n: LangflowNode) =>
    n.data?.node?.tool_mode === true || lfEdges.some((e) => e.source === n.id && edgeEnds(e).output === TOOL_OUTPUT);

  const nodes: NodeDef[] = [];
  const edges: EdgeDef[] = [];
  const components: ComponentReport[] = [];
  const unsupported: UnsupportedComponent[] = [];
  const outputs: ConvertResult['outputs'] = {};
  /** How each converted component's outputs are read downstream: output name → text and whole value. */
  const reads = new Map<string, (output: string | undefined) => { text: Ref; data: Ref }>();

  const report = (n: LangflowNode, r: Omit<ComponentReport, 'id' | 'type' | 'displayName'>) =>
    components.push({ id: n.id, type: componentType(n), displayName: displayName(n), ...r });
  const refuse = (n: LangflowNode, reason: string) => {
    unsupported.push({ id: n.id, type: componentType(n), reason });
    report(n, { status: 'unsupported', nodes: [ids[n.id]], reason });
    nodes.push({
      id: ids[n.id],
      type: 'unsupported',
      label: displayName(n),
      params: { component: componentType(n), reason, langflowId: n.id },
    });
    reads.set(n.id, () => ({ text: { root: ids[n.id], path: ['text'] }, data: { root: ids[n.id], path: [] } }));
  };

  // Langflow loops: the components on the cycle through a Loop's `item` form its body.
  const bodies = new Map<string, LoopBody>();
  for (const n of lfNodes)
    if (componentType(n) === 'LoopComponent') {
      const body = loopBody(n, lfNodes, lfEdges);
      if (body) bodies.set(n.id, body);
    }
  const inBody = new Set([...bodies.values()].flatMap((b) => [...b.members]));
  /** Readers of a loop's `done` read its unwrapping node, so their edges start there. */
  const via = new Map<string, string>();

  // Tools first: they are folded into the agents they feed.
  const toolsOf = new Map<string, AgentTool[]>();
  for (const n of lfNodes) {
    if (isNote(n) || !isTool(n) || inBody.has(n.id)) continue;
    const targets = lfEdges.filter((e) => e.source === n.id && edgeEnds(e).field === 'tools').map((e) => e.target);
    const agents = targets.filter((t) => {
      const type = byId.get(t) && componentType(byId.get(t)!);
      return type === 'Agent';
    });
    const tool = toolFor(n, options);
    if (typeof tool === 'string') {
      refuse(n, tool);
      continue;
    }
    if (agents.length === 0) {
      refuse(n, 'a component in tool mode must feed the "tools" input of an Agent');
      continue;
    }
    for (const a of agents) toolsOf.set(a, [...(toolsOf.get(a) ?? []), tool.tool]);
    report(n, {
      status: 'tool',
      nodes: agents.map((a) => ids[a]),
      as: `agent tool ${tool.tool.kind} "${tool.tool.name}"`,
      ...(tool.notes.length ? { notes: tool.notes } : {}),
    });
  }

  // Components in an order where every source is converted before its readers.
  const order = topoOrder(
    lfNodes.filter((n) => !isNote(n) && !isTool(n) && !inBody.has(n.id)),
    lfEdges,
  );
  for (const n of lfNodes) if (isNote(n)) report(n, { status: 'ignored', nodes: [], reason: 'a note' });

  for (const n of order) {
    const type = componentType(n);
    const id = ids[n.id];
    const label = displayName(n);
    const inputs = incoming(n.id).filter((i) => i.output !== TOOL_OUTPUT);
    /** The value feeding `fieldName` through an edge, read as text or whole. */
    const fed = (fieldName: string): { text: Ref; data: Ref } | undefined => {
      const edge = inputs.find((i) => i.field === fieldName);
      if (!edge) return undefined;
      const read = reads.get(edge.edge.source);
      return read?.(edge.output);
    };
    const notes: string[] = [];
    const add = (node: NodeDef, as: string) => {
      nodes.push({ ...node, label });
      report(n, { status: 'mapped', nodes: [node.id], as, ...(notes.length ? { notes } : {}) });
    };
    const messageReads = () =>
      reads.set(n.id, () => ({ text: { root: id, path: ['text'] }, data: { root: id, path: [] } }));
    const str = (f: string) => {
      const v = fieldValue(n, f);
      return typeof v === 'string' ? v : v === undefined || v === null ? '' : String(v);
    };
    const sessionId = () => (str('session_id') ? str('session_id') : '{{inputs.session_id}}');

    switch (type) {
      case 'ChatInput':
      case 'TextInput': {
        const chat = type === 'ChatInput';
        add(
          {
            id,
            type: 'message',
            params: {
              text: '{{inputs.input_value}}',
              default: str('input_value'),
              sender: chat ? str('sender') || 'User' : 'User',
              senderName: chat ? str('sender_name') || 'User' : 'User',
              sessionId: sessionId(),
              store: chat ? fieldValue(n, 'should_store_message') !== false : false,
              accepts: chat ? 'chat' : 'text',
              inputType: '{{inputs.input_type}}',
            },
          },
          'message',
        );
        messageReads();
        break;
      }
      case 'ChatOutput':
      case 'TextOutput': {
        const chat = type === 'ChatOutput';
        const source = fed('input_value');
        add(
          {
            id,
            type: 'message',
            params: {
              text: source ? placeholder(source.data) : str('input_value'),
              sender: chat ? str('sender') || 'Machine' : 'Machine',
              senderName: chat ? str('sender_name') || 'AI' : 'AI',
              sessionId: sessionId(),
              store: chat ? fieldValue(n, 'should_store_message') !== false : false,
              ...(str('data_template') ? { dataTemplate: str('data_template') } : {}),
            },
          },
          'message + output',
        );
        const outId = `${id.slice(0, 60)}_out`;
        nodes.push({ id: outId, type: 'output', label: `${label} (output)`, params: { name: id, value: `{{${id}}}` } });
        edges.push({ source: id, target: outId });
        components.at(-1)!.nodes.push(outId);
        outputs[id] = { id: n.id, type, displayName: label };
        messageReads();
        break;
      }
      case 'Prompt':
      case 'Prompt Template': {
        const double = fieldValue(n, 'use_double_brackets') === true;
        const template = convertPrompt(str('template'), double, (variable) => {
          const source = fed(variable);
          if (source) return placeholder(source.text);
          const literal = fieldValue(n, variable);
          return typeof literal === 'string' ? literal : literal == null ? '' : JSON.stringify(literal);
        });
        add({ id, type: 'template', params: { template } }, 'template');
        reads.set(n.id, () => ({ text: { root: id, path: [] }, data: { root: id, path: [] } }));
        break;
      }
      case 'LanguageModelComponent': {
        const model = modelSettings(n, notes);
        if (typeof model === 'string') {
          refuse(n, model);
          break;
        }
        const prompt = fed('input_value');
        const system = fed('system_message');
        const promptText = prompt ? placeholder(prompt.text) : str('input_value');
        if (!promptText) {
          refuse(n, 'input_value is neither connected nor set: the model has nothing to answer');
          break;
        }
        const temperature = fieldValue(n, 'temperature');
        const maxTokens = fieldValue(n, 'max_tokens');
        add(
          {
            id,
            type: 'llm',
            params: {
              ...model,
              prompt: promptText,
              ...(system
                ? { system: placeholder(system.text) }
                : str('system_message')
                  ? { system: str('system_message') }
                  : {}),
              ...(typeof temperature === 'number' ? { temperature } : {}),
              ...(typeof maxTokens === 'number' && maxTokens > 0 ? { maxTokens } : {}),
            },
          },
          'llm',
        );
        reads.set(n.id, (output) => {
          if (output === 'model_output') return { text: { root: id, path: ['text'] }, data: { root: id, path: [] } };
          return { text: { root: id, path: ['text'] }, data: { root: id, path: [] } };
        });
        break;
      }
      case 'Agent':
      case 'StructuredOutput': {
        const model = modelSettings(n, notes);
        if (typeof model === 'string') {
          refuse(n, model);
          break;
        }
        const agent = type === 'Agent';
        const prompt = fed('input_value');
        const system = fed(agent ? 'system_prompt' : 'system_prompt');
        const schema = outputSchema(fieldValue(n, 'output_schema'));
        if (!agent && !schema) {
          refuse(n, 'output_schema is empty: Structured Output needs at least one field');
          break;
        }
        const tools = [...(toolsOf.get(n.id) ?? [])];
        if (agent && fieldValue(n, 'add_calculator_tool') === true)
          tools.push({ kind: 'calculator', name: 'evaluate_expression', description: CALCULATOR_DESCRIPTION });
        if (agent && fieldValue(n, 'add_current_date_tool') === true)
          tools.push({
            kind: 'current_date',
            name: 'get_current_date',
            description: 'The current date and time (UTC).',
          });
        for (const i of inputs)
          if (!['input_value', 'system_prompt', 'tools'].includes(i.field ?? ''))
            notes.push(`the edge into "${i.field}" is not used`);
        const promptSource = prompt ? placeholder(prompt.text) : str('input_value');
        const maxIterations = fieldValue(n, 'max_iterations');
        const nMessages = fieldValue(n, 'n_messages');
        const maxTokens = fieldValue(n, 'max_tokens');
        const excludeFrom = prompt && prompt.text.path.join('.') === 'text' ? prompt.text.root : undefined;
        add(
          {
            id,
            type: 'agent',
            params: {
              ...model,
              prompt: promptSource,
              ...(system
                ? { system: placeholder(system.text) }
                : str('system_prompt')
                  ? { system: str('system_prompt') }
                  : {}),
              ...(agent
                ? { maxIterations: typeof maxIterations === 'number' ? maxIterations : 15 }
                : { maxIterations: 1 }),
              ...(tools.length ? { tools } : {}),
              ...(schema ? { outputSchema: schema } : {}),
              ...(schema && str('format_instructions') ? { formatInstructions: str('format_instructions') } : {}),
              ...(agent
                ? {
                    sessionId: '{{inputs.session_id}}',
                    historyMessages: typeof nMessages === 'number' ? nMessages : 100,
                    ...(excludeFrom ? { excludeMessageId: `{{${excludeFrom}.id}}` } : {}),
                  }
                : {}),
              ...(typeof maxTokens === 'number' && maxTokens > 0 ? { maxTokens } : {}),
            },
          },
          tools.length ? `agent (${tools.length} tool${tools.length === 1 ? '' : 's'})` : 'agent',
        );
        reads.set(n.id, (output) =>
          output === 'structured_response' || output === 'structured_output' || output === 'dataframe_output'
            ? { text: { root: id, path: ['text'] }, data: { root: id, path: ['structured'] } }
            : { text: { root: id, path: ['text'] }, data: { root: id, path: [] } },
        );
        break;
      }
      case 'parser':
      case 'ParserComponent': {
        const source = fed('input_data');
        if (!source) {
          refuse(n, 'input_data is not connected');
          break;
        }
        const mode = str('mode') || 'Parser';
        const expression =
          mode === 'Stringify'
            ? `$string(${jsonataPath(source.data)})`
            : parserExpression(str('pattern') || '{text}', str('sep') || '\n', source.data);
        add({ id, type: 'transform', params: { expression } }, 'transform');
        reads.set(n.id, () => ({ text: { root: id, path: [] }, data: { root: id, path: [] } }));
        break;
      }
      case 'File': {
        add(
          {
            id,
            type: 'message',
            params: {
              text: `{{inputs.${id}}}`,
              default: str('content'),
              sender: 'User',
              senderName: 'User',
              store: false,
            },
          },
          'message (file content from the run input or a "content" tweak)',
        );
        messageReads();
        break;
      }
      case 'URLComponent': {
        const urls = fieldValue(n, 'urls');
        const source = fed('urls');
        const list = Array.isArray(urls) ? urls.filter((u) => typeof u === 'string' && u) : [];
        if (!source && list.length !== 1) {
          refuse(n, 'outside tool mode, URL is converted for exactly one URL (or a connected one)');
          break;
        }
        notes.push('fetches one page, no crawling (max_depth is ignored)');
        add(
          {
            id,
            type: 'http',
            params: {
              url: source ? placeholder(source.text) : String(list[0]),
              headers: headersOf(fieldValue(n, 'headers')),
              responseType: 'text',
              ...(typeof fieldValue(n, 'timeout') === 'number'
                ? { timeoutMs: Number(fieldValue(n, 'timeout')) * 1000 }
                : {}),
            },
          },
          'http',
        );
        reads.set(n.id, () => ({ text: { root: id, path: ['body'] }, data: { root: id, path: ['body'] } }));
        break;
      }
      case 'CalculatorComponent': {
        const expression = str('expression');
        if (fed('expression') || !/^[\d\s+\-*/().,%^]+$/.test(expression) || !expression.trim()) {
          refuse(n, 'outside tool mode, Calculator is converted only for a literal arithmetic expression');
          break;
        }
        add(
          { id, type: 'transform', params: { expression: `{"result": ${expression.replace(/\^/g, '**')}}` } },
          'transform',
        );
        reads.set(n.id, () => ({ text: { root: id, path: ['result'] }, data: { root: id, path: [] } }));
        break;
      }
      case 'Webhook': {
        add(
          {
            id,
            type: 'message',
            params: { text: '{{inputs.data}}', sender: 'User', senderName: 'Webhook', store: false },
          },
          'message (the webhook body)',
        );
        messageReads();
        break;
      }
      case 'LoopComponent': {
        const body = bodies.get(n.id);
        const source = fed('data');
        if (!body) {
          refuse(n, 'no loop body: connect the Loop "item" output through components back into "item"');
          break;
        }
        if (!source) {
          refuse(n, 'the Loop "data" input is not connected');
          break;
        }
        if (body.outside.length) {
          refuse(
            n,
            `the loop body reads ${body.outside.join(', ')} from outside the loop; a loop body sees only its item`,
          );
          break;
        }
        const inner = convertLangflow(bodyExport(n, body, lfNodes, lfEdges), options);
        for (const c of inner.components) if (!c.id.startsWith(SYNTHETIC)) components.push(c);
        unsupported.push(...inner.unsupported);
        add(
          {
            id,
            type: 'loop',
            params: {
              // A message (File, ChatInput) gives its text: CSV rows; anything else its value (a list).
              items: placeholder(
                source.text.path.join('.') === 'text' && source.data.path.length === 0 ? source.text : source.data,
              ),
              body: { nodes: inner.definition.nodes, edges: inner.definition.edges },
              concurrency: 1,
            },
          },
          `loop (body: ${[...body.members].map((m) => ids[m]).join(', ')})`,
        );
        const doneId = `${id.slice(0, 58)}_done`;
        nodes.push({
          id: doneId,
          type: 'transform',
          label: `${label} (done)`,
          params: { expression: `\`${id}\`.item[]` },
        });
        edges.push({ source: id, target: doneId });
        components.at(-1)!.nodes.push(doneId);
        via.set(n.id, doneId);
        reads.set(n.id, () => ({ text: { root: doneId, path: [] }, data: { root: doneId, path: [] } }));
        break;
      }
      case SYNTHETIC_ITEM:
        nodes.push({ id, type: 'input', label: 'Loop item', params: { name: 'item' } });
        reads.set(n.id, () => ({ text: { root: id, path: ['text'] }, data: { root: id, path: [] } }));
        break;
      case SYNTHETIC_RESULT: {
        const source = fed('value');
        nodes.push({
          id,
          type: 'output',
          label: 'Loop result',
          params: { name: 'item', value: source ? placeholder(source.data) : null },
        });
        break;
      }
      case 'MemoryBase':
        refuse(n, 'Memory Base is supported as an agent tool (tool mode) only');
        break;
      default:
        refuse(n, `no Tempoflow mapping for the Langflow component "${type}"`);
    }
  }

  // Edges between converted components (tools and notes are folded away).
  const present = new Set(nodes.map((n) => n.id));
  const seen = new Set(edges.map((e) => `${e.source}>${e.target}`));
  for (const e of lfEdges) {
    const s = via.get(e.source) ?? ids[e.source];
    const t = ids[e.target];
    if (!s || !t || !present.has(s) || !present.has(t) || s === t) continue;
    if (edgeEnds(e).output === TOOL_OUTPUT) continue;
    const key = `${s}>${t}`;
    if (seen.has(key)) continue;
    seen.add(key);
    edges.push({ source: s, target: t });
  }

  const description =
    typeof exp.description === 'string' && exp.description ? exp.description.slice(0, 2000) : undefined;
  return {
    definition: {
      name: options.name ?? flowNameOf(exp),
      ...(description ? { description } : {}),
      nodes: nodes.length ? nodes : [{ id: 'empty', type: 'input' }],
      edges,
    },
    components,
    unsupported,
    ids,
    outputs,
  };
}

const CALCULATOR_DESCRIPTION =
  'Evaluates an arithmetic expression (+, -, *, /, **, %, parentheses) and returns the result.';

function toolFor(n: LangflowNode, options: ConvertOptions): { tool: AgentTool; notes: string[] } | string {
  const type = componentType(n);
  const meta = toolMetadata(n);
  const name = (fallback: string) => (meta?.name ?? fallback).replace(/[^A-Za-z0-9_-]/g, '_').slice(0, 64);
  const description = (fallback: string) => meta?.description ?? fallback;
  switch (type) {
    case 'URLComponent': {
      const timeout = fieldValue(n, 'timeout');
      return {
        tool: {
          kind: 'url_fetch',
          name: name('fetch_content'),
          description: description('Fetch the text content of one or more web pages.'),
          config: {
            headers: headersOf(fieldValue(n, 'headers')),
            ...(typeof timeout === 'number' ? { timeoutMs: timeout * 1000 } : {}),
            format: fieldValue(n, 'format') === 'HTML' ? 'html' : 'text',
          },
          source: n.id,
        },
        notes: ['fetches the given pages only (max_depth crawling is not done)'],
      };
    }
    case 'CalculatorComponent':
      return {
        tool: {
          kind: 'calculator',
          name: name('evaluate_expression'),
          description: description(CALCULATOR_DESCRIPTION),
          source: n.id,
        },
        notes: [],
      };
    case 'MemoryBase': {
      const topK = fieldValue(n, 'top_k');
      return {
        tool: {
          kind: 'memory_search',
          name: name('retrieve_memory'),
          description: description('Returns earlier chat messages that match the query.'),
          config: {
            topK: typeof topK === 'number' ? topK : 5,
            filterBySession: fieldValue(n, 'filter_by_session') !== false,
          },
          source: n.id,
        },
        notes: ['searches the chat memory kept in Postgres by words, not by embeddings'],
      };
    }
    case 'UnifiedWebSearch': {
      const url = options.webSearchUrl ?? DEFAULT_WEB_SEARCH_URL;
      return {
        tool: {
          kind: 'http',
          name: name('perform_search'),
          description: description('Search the web for the query.'),
          parameters: {
            type: 'object',
            properties: { query: { type: 'string', description: 'Search keywords.' } },
            required: ['query'],
          },
          config: { method: 'GET', url, query: { q: '{{args.query}}' } },
          source: n.id,
        },
        notes: [
          `an http tool: GET ${url}?q=<query> (import with ?webSearchUrl= to use another endpoint, e.g. a SearXNG instance)`,
        ],
      };
    }
    default:
      return `no agent-tool mapping for the Langflow component "${type}" in tool mode`;
  }
}

function toolMetadata(n: LangflowNode): { name?: string; description?: string } | undefined {
  const meta = fieldValue(n, 'tools_metadata');
  if (!Array.isArray(meta)) return undefined;
  const first = meta.find((m) => m && typeof m === 'object' && (m as { status?: unknown }).status !== false) as
    { name?: unknown; description?: unknown } | undefined;
  if (!first) return undefined;
  return {
    name: typeof first.name === 'string' ? first.name : undefined,
    description: typeof first.description === 'string' ? first.description : undefined,
  };
}

function headersOf(value: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (Array.isArray(value))
    for (const row of value) {
      const { key, value: v } = (row ?? {}) as { key?: unknown; value?: unknown };
      if (typeof key === 'string' && key) out[key] = String(v ?? '');
    }
  return out;
}

/** Model, base URL and key of a Langflow model component; empty ones are left to the worker's defaults. */
function modelSettings(
  n: LangflowNode,
  notes: string[],
): { model?: string; baseUrl?: string; apiKey?: string } | string {
  const out: { model?: string; baseUrl?: string; apiKey?: string } = {};
  const model = fieldValue(n, 'model');
  const modelName = fieldValue(n, 'model_name');
  if (typeof model === 'string' && model) out.model = model;
  else if (Array.isArray(model) && model.length && typeof (model[0] as { name?: unknown })?.name === 'string')
    out.model = (model[0] as { name: string }).name;
  else if (typeof modelName === 'string' && modelName) out.model = modelName;
  for (const f of ['base_url', 'openai_api_base', 'api_base', 'ollama_base_url']) {
    const v = fieldValue(n, f);
    if (typeof v === 'string' && /^https?:\/\//.test(v)) {
      out.baseUrl = f === 'ollama_base_url' ? `${v.replace(/\/$/, '')}/v1` : v;
      break;
    }
  }
  const key = field(n, 'api_key');
  if (key && typeof key.value === 'string' && key.value) {
    if (key.load_from_db === true || /^[A-Z][A-Z0-9_]*$/.test(key.value)) out.apiKey = `{{secrets.${key.value}}}`;
    else return 'api_key holds a literal key: store it as a secret (SECRET_<NAME>) and put the secret name in api_key';
  }
  if (!out.model) notes.push('no model set: uses LLM_MODEL from the worker environment');
  if (!out.baseUrl) notes.push('no base URL set: uses LLM_BASE_URL from the worker environment (OpenAI-compatible)');
  const provider = fieldValue(n, 'provider');
  if (typeof provider === 'string' && provider && !/openai/i.test(provider))
    notes.push(`provider "${provider}" is called through its OpenAI-compatible API`);
  return out;
}

const SCHEMA_TYPES: Record<string, string> = {
  str: 'string',
  text: 'string',
  int: 'integer',
  float: 'number',
  number: 'number',
  bool: 'boolean',
  boolean: 'boolean',
  dict: 'object',
  list: 'array',
};

/** Langflow's output_schema table → JSON Schema; undefined when the table is empty. */
export function outputSchema(value: unknown): Record<string, unknown> | undefined {
  if (!Array.isArray(value) || value.length === 0) return undefined;
  const properties: Record<string, unknown> = {};
  for (const row of value) {
    const r = (row ?? {}) as { name?: unknown; type?: unknown; description?: unknown; multiple?: unknown };
    if (typeof r.name !== 'string' || !r.name) continue;
    const base: Record<string, unknown> = { type: SCHEMA_TYPES[String(r.type ?? 'str')] ?? 'string' };
    if (typeof r.description === 'string' && r.description) base.description = r.description;
    const multiple = r.multiple === true || String(r.multiple).toLowerCase() === 'true';
    properties[r.name] = multiple ? { type: 'array', items: base } : base;
  }
  const names = Object.keys(properties);
  if (!names.length) return undefined;
  return { type: 'object', properties, required: names, additionalProperties: false };
}

/**
 * A Langflow prompt template as a native template: `{var}` (or `{{var}}` in double-bracket mode)
 * becomes whatever `value(var)` gives; in single-bracket mode `{{`/`}}` are literal braces.
 */
export function convertPrompt(template: string, double: boolean, value: (variable: string) => string): string {
  if (double) return template.replace(/\{\{\s*([A-Za-z_][\w-]*)\s*\}\}/g, (_, v: string) => value(v));
  let out = '';
  for (let i = 0; i < template.length; i++) {
    const c = template[i];
    if (c === '{' && template[i + 1] === '{') {
      out += '{';
      i++;
    } else if (c === '}' && template[i + 1] === '}') {
      out += '}';
      i++;
    } else if (c === '{') {
      const end = template.indexOf('}', i);
      const name = end > i ? template.slice(i + 1, end).trim() : '';
      if (/^[A-Za-z_][\w-]*$/.test(name)) {
        out += value(name);
        i = end;
      } else out += c;
    } else out += c;
  }
  return out;
}

/** Variables of a Langflow prompt template, in order of first use. */
export function promptVariables(template: string, double: boolean): string[] {
  const found: string[] = [];
  convertPrompt(template, double, (v) => {
    if (!found.includes(v)) found.push(v);
    return '';
  });
  return found;
}

function jsonataPath(ref: Ref): string {
  return ['`' + ref.root + '`', ...ref.path.map((p) => (/^[A-Za-z_]\w*$/.test(p) ? p : '`' + p + '`'))].join('.');
}

/** Langflow's Parser: each row (a Data's fields, a DataFrame's rows, a Message's text) through `{field}` patterns. */
export function parserExpression(pattern: string, sep: string, source: Ref): string {
  const parts: string[] = [];
  let literal = '';
  convertPromptParts(pattern, (piece, isVar) => {
    if (isVar) {
      if (literal) parts.push(JSON.stringify(literal));
      literal = '';
      parts.push(`$f($r, ${JSON.stringify(piece)})`);
    } else literal += piece;
  });
  if (literal) parts.push(JSON.stringify(literal));
  const row = parts.length ? parts.join(' & ') : '""';
  return [
    '(',
    `  $v := ${jsonataPath(source)};`,
    '  $rows := $type($v) = "array" ? $v : [$v];',
    '  $f := function($r, $k) { $type($r) = "object" ? ($exists($lookup($r, $k)) ? $string($lookup($r, $k)) : ($type($r.data) = "object" ? $string($lookup($r.data, $k)) : "")) : ($k = "text" ? $string($r) : "") };',
    `  $join($map($rows, function($r) { ${row} }), ${JSON.stringify(sep)})`,
    ')',
  ].join('\n');
}

function convertPromptParts(template: string, emit: (piece: string, isVar: boolean) => void): void {
  for (let i = 0; i < template.length; i++) {
    const c = template[i];
    if (c === '{' && template[i + 1] === '{') {
      emit('{', false);
      i++;
    } else if (c === '}' && template[i + 1] === '}') {
      emit('}', false);
      i++;
    } else if (c === '{') {
      const end = template.indexOf('}', i);
      const name = end > i ? template.slice(i + 1, end).trim() : '';
      if (/^[A-Za-z_][\w-]*$/.test(name)) {
        emit(name, true);
        i = end;
      } else emit(c, false);
    } else emit(c, false);
  }
}

function topoOrder(nodes: LangflowNode[], edges: LangflowEdge[]): LangflowNode[] {
  const ids = new Set(nodes.map((n) => n.id));
  const indegree = new Map(nodes.map((n) => [n.id, 0]));
  for (const e of edges)
    if (ids.has(e.source) && ids.has(e.target)) indegree.set(e.target, indegree.get(e.target)! + 1);
  const queue = nodes.filter((n) => indegree.get(n.id) === 0);
  const out: LangflowNode[] = [];
  const byId = new Map(nodes.map((n) => [n.id, n]));
  while (queue.length) {
    const n = queue.shift()!;
    out.push(n);
    for (const e of edges) {
      if (e.source !== n.id || !ids.has(e.target)) continue;
      const left = indegree.get(e.target)! - 1;
      indegree.set(e.target, left);
      if (left === 0) queue.push(byId.get(e.target)!);
    }
  }
  // Components on a cycle (Langflow loops) come last; their conversion reports them.
  for (const n of nodes) if (!out.includes(n)) out.push(n);
  return out;
}

const SYNTHETIC = '__tempoflow_';
const SYNTHETIC_ITEM = '__tempoflow_loop_item';
const SYNTHETIC_RESULT = '__tempoflow_loop_result';

interface LoopBody {
  members: Set<string>;
  /** Components outside the loop that body components read (a native loop body cannot). */
  outside: string[];
}

/** Nodes reachable from the Loop's `item` output that lead back into its `item` input. */
function loopBody(loop: LangflowNode, nodes: LangflowNode[], edges: LangflowEdge[]): LoopBody | undefined {
  const back = edges.filter((e) => e.target === loop.id && edgeEnds(e).field === 'item' && e.source !== loop.id);
  if (back.length === 0) return undefined;
  const forward = new Set<string>();
  const stack = edges.filter((e) => e.source === loop.id && edgeEnds(e).output === 'item').map((e) => e.target);
  while (stack.length) {
    const id = stack.pop()!;
    if (id === loop.id || forward.has(id)) continue;
    forward.add(id);
    for (const e of edges) if (e.source === id) stack.push(e.target);
  }
  const backward = new Set<string>();
  const up = back.map((e) => e.source);
  while (up.length) {
    const id = up.pop()!;
    if (id === loop.id || backward.has(id)) continue;
    backward.add(id);
    for (const e of edges) if (e.target === id) up.push(e.source);
  }
  const members = new Set([...forward].filter((id) => backward.has(id)));
  if (members.size === 0) return undefined;
  const known = new Set(nodes.map((n) => n.id));
  const outside = [
    ...new Set(
      edges
        .filter((e) => members.has(e.target) && !members.has(e.source) && e.source !== loop.id && known.has(e.source))
        .filter((e) => edgeEnds(e).output !== TOOL_OUTPUT || !members.has(e.target))
        .map((e) => e.source),
    ),
  ];
  // Tools that feed agents inside the body belong to the body.
  for (const e of edges)
    if (members.has(e.target) && edgeEnds(e).output === TOOL_OUTPUT && outside.includes(e.source)) {
      members.add(e.source);
      outside.splice(outside.indexOf(e.source), 1);
    }
  return { members, outside };
}

/** The loop body as an export of its own: the item comes from an input, the loop-back edge goes to an output. */
function bodyExport(loop: LangflowNode, body: LoopBody, nodes: LangflowNode[], edges: LangflowEdge[]): LangflowExport {
  const item: LangflowNode = { id: SYNTHETIC_ITEM, type: 'genericNode', data: { type: SYNTHETIC_ITEM, node: {} } };
  const result: LangflowNode = {
    id: SYNTHETIC_RESULT,
    type: 'genericNode',
    data: { type: SYNTHETIC_RESULT, node: {} },
  };
  const handle = (source: string, output: string | undefined, target: string, fieldName: string | undefined) => ({
    source,
    target,
    data: { sourceHandle: { id: source, name: output }, targetHandle: { id: target, fieldName } },
  });
  const inner: LangflowEdge[] = [];
  for (const e of edges) {
    const { output, field: fieldName } = edgeEnds(e);
    if (e.source === loop.id && body.members.has(e.target) && output === 'item')
      inner.push(handle(SYNTHETIC_ITEM, 'item', e.target, fieldName));
    else if (e.target === loop.id && body.members.has(e.source) && fieldName === 'item')
      inner.push(handle(e.source, output, SYNTHETIC_RESULT, 'value'));
    else if (body.members.has(e.source) && body.members.has(e.target)) inner.push(e);
  }
  return {
    name: `${loop.id} body`,
    data: { nodes: [item, ...nodes.filter((n) => body.members.has(n.id)), result], edges: inner },
  };
}
