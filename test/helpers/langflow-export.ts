import type { LangflowEdge, LangflowNode } from '../../langflow/index.js';

/** A Langflow component as an export holds it, written here (not copied from Langflow). */
export const langflowNode = (
  id: string,
  type: string,
  values: Record<string, unknown> = {},
  tool = false,
): LangflowNode => ({
  id,
  type: 'genericNode',
  data: {
    id,
    type,
    node: {
      display_name: `${type} component`,
      tool_mode: tool,
      template: Object.fromEntries(Object.entries(values).map(([k, v]) => [k, { value: v }])),
    },
  },
});

/** An edge from one component's output to another's input field. */
export const langflowEdge = (source: string, output: string, target: string, fieldName: string): LangflowEdge => ({
  source,
  target,
  data: { sourceHandle: { id: source, name: output }, targetHandle: { id: target, fieldName } },
});
