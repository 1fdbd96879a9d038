import type { AgentTool, AgentToolFunction } from './agent-types.js';

/** The OpenAI `tools` entry the model sees for each agent tool (pure: the workflow builds it). */
export function toolFunction(tool: AgentTool): AgentToolFunction {
  const builtin: Record<string, { description: string; parameters: Record<string, unknown> }> = {
    url_fetch: {
      description: 'Fetch the text content of one or more web pages.',
      parameters: {
        type: 'object',
        properties: { urls: { type: 'array', items: { type: 'string' }, description: 'URLs to fetch.' } },
        required: ['urls'],
      },
    },
    calculator: {
      description: 'Evaluate an arithmetic expression (+, -, *, /, **, %, parentheses).',
      parameters: {
        type: 'object',
        properties: { expression: { type: 'string', description: 'e.g. (2 + 3) * 4' } },
        required: ['expression'],
      },
    },
    memory_search: {
      description: 'Search earlier messages of this conversation.',
      parameters: {
        type: 'object',
        properties: { search_query: { type: 'string', description: 'What to look for.' } },
        required: ['search_query'],
      },
    },
    current_date: {
      description: 'The current date and time (UTC).',
      parameters: { type: 'object', properties: {} },
    },
  };
  const base = builtin[tool.kind];
  return {
    type: 'function',
    function: {
      name: tool.name,
      description: tool.description ?? base?.description ?? tool.name,
      parameters: tool.parameters ?? base?.parameters ?? { type: 'object', properties: {} },
    },
  };
}
