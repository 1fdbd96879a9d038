import type { AgentTool } from '../flow/index.js';
import { componentType, edgeEnds, fieldValue, type LangflowEdge, type LangflowNode } from './export.js';
import type { ConvertOptions } from './conversion.js';
import { headersOf } from './settings.js';

/** The output a component in tool mode feeds an Agent's `tools` input from. */
export const TOOL_OUTPUT = 'component_as_tool';

export const DEFAULT_WEB_SEARCH_URL = 'https://html.duckduckgo.com/html/';

export const CALCULATOR_DESCRIPTION =
  'Evaluates an arithmetic expression (+, -, *, /, **, %, parentheses) and returns the result.';

/** A component in tool mode: flagged so, or feeding some component through its tool output. */
export function isTool(n: LangflowNode, edges: LangflowEdge[]): boolean {
  return n.data?.node?.tool_mode === true || edges.some((e) => e.source === n.id && edgeEnds(e).output === TOOL_OUTPUT);
}

/** What a tool-mode component becomes: its kind and settings, default name and description, and notes. */
interface ToolMapping {
  kind: AgentTool['kind'];
  name: string;
  description: string;
  /** `parameters` and `config`, in that order. */
  settings?: Pick<AgentTool, 'parameters' | 'config'>;
  notes: string[];
}

const mapping = (
  kind: AgentTool['kind'],
  [name, description]: [string, string],
  notes: string[],
  settings?: ToolMapping['settings'],
): ToolMapping => ({ kind, name, description, settings, notes });

const TOOL_MAPPINGS: Record<string, (n: LangflowNode, options: ConvertOptions) => ToolMapping> = {
  URLComponent: (n) =>
    mapping(
      'url_fetch',
      ['fetch_content', 'Fetch the text content of one or more web pages.'],
      ['fetches the given pages only (max_depth crawling is not done)'],
      { config: urlFetchConfig(n) },
    ),
  CalculatorComponent: () => mapping('calculator', ['evaluate_expression', CALCULATOR_DESCRIPTION], []),
  MemoryBase: (n) => {
    const topK = fieldValue(n, 'top_k');
    const config = {
      topK: typeof topK === 'number' ? topK : 5,
      filterBySession: fieldValue(n, 'filter_by_session') !== false,
    };
    return mapping(
      'memory_search',
      ['retrieve_memory', 'Returns earlier chat messages that match the query.'],
      ['searches the chat memory kept in Postgres by words, not by embeddings'],
      { config },
    );
  },
  UnifiedWebSearch: (_n, options) => {
    const url = options.webSearchUrl ?? DEFAULT_WEB_SEARCH_URL;
    const parameters = {
      type: 'object',
      properties: { query: { type: 'string', description: 'Search keywords.' } },
      required: ['query'],
    };
    return mapping(
      'http',
      ['perform_search', 'Search the web for the query.'],
      [
        `an http tool: GET ${url}?q=<query> (import with ?webSearchUrl= to use another endpoint, e.g. a SearXNG instance)`,
      ],
      { parameters, config: { method: 'GET', url, query: { q: '{{args.query}}' } } },
    );
  },
};

function urlFetchConfig(n: LangflowNode): Record<string, unknown> {
  const timeout = fieldValue(n, 'timeout');
  return {
    headers: headersOf(fieldValue(n, 'headers')),
    ...(typeof timeout === 'number' ? { timeoutMs: timeout * 1000 } : {}),
    format: fieldValue(n, 'format') === 'HTML' ? 'html' : 'text',
  };
}

/**
 * The agent tool a component in tool mode stands for, named and described by its `tools_metadata`
 * when set; or why it has none.
 */
export function toolFor(n: LangflowNode, options: ConvertOptions): { tool: AgentTool; notes: string[] } | string {
  const type = componentType(n);
  if (!Object.hasOwn(TOOL_MAPPINGS, type))
    return `no agent-tool mapping for the Langflow component "${type}" in tool mode`;
  const mapping = TOOL_MAPPINGS[type](n, options);
  const meta = toolMetadata(n);
  return {
    tool: {
      kind: mapping.kind,
      name: (meta?.name ?? mapping.name).replace(/[^A-Za-z0-9_-]/g, '_').slice(0, 64),
      description: meta?.description ?? mapping.description,
      ...mapping.settings,
      source: n.id,
    },
    notes: mapping.notes,
  };
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
