import type { AgentTool } from '../flow/index.js';
import { fieldValue } from './export.js';
import { placeholder, readAt, type Read } from './conversion.js';
import type { Component, Mapper } from './component.js';
import { modelSettings, outputSchema } from './settings.js';
import { CALCULATOR_DESCRIPTION } from './tools.js';

/** `system` from the connected component's text, else the field's literal value, else nothing. */
function system(c: Component, fieldName: string): { system?: string } {
  const source = c.fed(fieldName);
  if (source) return { system: placeholder(source.text) };
  return c.str(fieldName) ? { system: c.str(fieldName) } : {};
}

const maxTokensOf = (c: Component) => {
  const maxTokens = fieldValue(c.n, 'max_tokens');
  return typeof maxTokens === 'number' && maxTokens > 0 ? { maxTokens } : {};
};

/** Langflow's Language Model: an llm node. */
const languageModel: Mapper = (c) => {
  const model = modelSettings(c.n, c.notes);
  if (typeof model === 'string') return c.refuse(model);
  const prompt = c.fed('input_value');
  const promptText = prompt ? placeholder(prompt.text) : c.str('input_value');
  if (!promptText) return c.refuse('input_value is neither connected nor set: the model has nothing to answer');
  const temperature = fieldValue(c.n, 'temperature');
  c.add(
    {
      id: c.id,
      type: 'llm',
      params: {
        ...model,
        prompt: promptText,
        ...system(c, 'system_message'),
        ...(typeof temperature === 'number' ? { temperature } : {}),
        ...maxTokensOf(c),
      },
    },
    'llm',
    readAt(c.id),
  );
};

/** The tools an Agent gets: those folded into it, then the built-ins its switches turn on. */
function agentTools(c: Component, folded: AgentTool[]): AgentTool[] {
  const tools = [...folded];
  if (fieldValue(c.n, 'add_calculator_tool') === true)
    tools.push({ kind: 'calculator', name: 'evaluate_expression', description: CALCULATOR_DESCRIPTION });
  if (fieldValue(c.n, 'add_current_date_tool') === true)
    tools.push({ kind: 'current_date', name: 'get_current_date', description: 'The current date and time (UTC).' });
  return tools;
}

/** Agent and Structured Output (an agent of one iteration with an output schema): an agent node. */
const agent: Mapper = (c, scope) => {
  const model = modelSettings(c.n, c.notes);
  if (typeof model === 'string') return c.refuse(model);
  const isAgent = c.type === 'Agent';
  const prompt = c.fed('input_value');
  const schema = outputSchema(fieldValue(c.n, 'output_schema'));
  if (!isAgent && !schema) return c.refuse('output_schema is empty: Structured Output needs at least one field');
  const tools = isAgent ? agentTools(c, scope.toolsOf.get(c.n.id) ?? []) : [...(scope.toolsOf.get(c.n.id) ?? [])];
  for (const i of c.inputs)
    if (!['input_value', 'system_prompt', 'tools'].includes(i.field ?? ''))
      c.notes.push(`the edge into "${i.field}" is not used`);
  const maxIterations = fieldValue(c.n, 'max_iterations');
  const nMessages = fieldValue(c.n, 'n_messages');
  // The agent's history leaves out the message it answers (that message is its prompt).
  const excludeFrom = prompt && prompt.text.path.join('.') === 'text' ? prompt.text.root : undefined;
  c.add(
    {
      id: c.id,
      type: 'agent',
      params: {
        ...model,
        prompt: prompt ? placeholder(prompt.text) : c.str('input_value'),
        ...system(c, 'system_prompt'),
        maxIterations: isAgent ? (typeof maxIterations === 'number' ? maxIterations : 15) : 1,
        ...(tools.length ? { tools } : {}),
        ...(schema ? { outputSchema: schema } : {}),
        ...(schema && c.str('format_instructions') ? { formatInstructions: c.str('format_instructions') } : {}),
        ...(isAgent
          ? {
              sessionId: '{{inputs.session_id}}',
              historyMessages: typeof nMessages === 'number' ? nMessages : 100,
              ...(excludeFrom ? { excludeMessageId: `{{${excludeFrom}.id}}` } : {}),
            }
          : {}),
        ...maxTokensOf(c),
      },
    },
    tools.length ? `agent (${tools.length} tool${tools.length === 1 ? '' : 's'})` : 'agent',
    (output): Read =>
      output === 'structured_response' || output === 'structured_output' || output === 'dataframe_output'
        ? readAt(c.id, ['text'], ['structured'])
        : readAt(c.id),
  );
};

/** Components that call a model: Langflow type → mapper. */
export const MODEL_MAPPERS: Record<string, Mapper> = {
  LanguageModelComponent: languageModel,
  Agent: agent,
  StructuredOutput: agent,
};
