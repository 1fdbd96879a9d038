import { z } from 'zod';

const PLACEHOLDER_ONLY = /^\{\{\s*[^{}]+?\s*\}\}$/;
const orRef = <T extends z.ZodTypeAny>(schema: T) =>
  z.union([schema, z.string().regex(PLACEHOLDER_ONLY, 'a placeholder such as "{{node.value}}"')]);

export const AGENT_TOOL_KINDS = ['url_fetch', 'calculator', 'memory_search', 'current_date', 'http'] as const;
export type AgentToolKind = (typeof AGENT_TOOL_KINDS)[number];

/**
 * One tool the agent's model may call. Built-ins (`url_fetch`, `calculator`, `memory_search`) need
 * only a kind; an `http` tool is a request whose strings may hold `{{args.NAME}}` (the model's
 * arguments) and `{{secrets.NAME}}`, both resolved inside the tool's activity.
 */
export const agentToolSchema = z
  .object({
    kind: z.enum(AGENT_TOOL_KINDS),
    name: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'letters, digits, "_" or "-", at most 64'),
    description: z.string().max(4000).optional(),
    /** JSON Schema of the arguments; built-ins have their own. */
    parameters: z.record(z.string(), z.unknown()).optional(),
    /** Kind-specific settings: http `{method, url, headers, query, body}`; url_fetch `{headers, timeoutMs, format}`; memory_search `{topK, filterBySession}`. */
    config: z.record(z.string(), z.unknown()).optional(),
    /** Langflow component the tool came from (import report). */
    source: z.string().optional(),
  })
  .strict();
export type AgentTool = z.infer<typeof agentToolSchema>;

export const AGENT_PARAMS = z
  .object({
    /** Empty: the worker's LLM_BASE_URL (then OpenAI's). */
    baseUrl: z.string().min(1).optional(),
    /** Empty: the worker's LLM_MODEL. */
    model: z.string().min(1).optional(),
    /** A `{{secrets.NAME}}` reference; empty: the secret LLM_API_KEY when set. */
    apiKey: z.string().min(1).optional(),
    system: z.string().optional(),
    /** The user's message; a Message object (`{text}`) is read as its text. */
    prompt: z.unknown(),
    temperature: orRef(z.number().min(0).max(2)).optional(),
    maxTokens: orRef(z.number().int().positive()).optional(),
    maxIterations: orRef(z.number().int().min(1).max(1000)).optional(),
    tools: z.array(agentToolSchema).max(64).optional(),
    /** JSON Schema: after the loop, one more model call returns an object of this shape as `structured`. */
    outputSchema: z.record(z.string(), z.unknown()).optional(),
    /** Instructions for that structured call. */
    formatInstructions: z.string().optional(),
    /** Chat memory: earlier messages of this session (Postgres) are sent before the prompt. */
    sessionId: z.unknown().optional(),
    historyMessages: orRef(z.number().int().min(0).max(10_000)).optional(),
    /** A message id left out of the history (the prompt itself, already stored by a `message` node). */
    excludeMessageId: z.unknown().optional(),
    /** History events one agent execution may spend before it continues as new (default 2000). */
    historyBudget: orRef(z.number().int().min(50).max(40_000)).optional(),
  })
  .strict();

export const MESSAGE_PARAMS = z
  .object({
    /** The text: a string, or a Message/Data value whose `text` is used, or any JSON (rendered). */
    text: z.unknown().optional(),
    /** Used when `text` is empty or null. */
    default: z.string().optional(),
    sender: z.string().optional(),
    senderName: z.string().optional(),
    sessionId: z.unknown().optional(),
    /** Keep the message in the session's chat memory (Postgres). */
    store: z.boolean().optional(),
    /** `chat` or `text`: which Langflow input_type this message accepts (`inputType` names the run's). */
    accepts: z.enum(['chat', 'text']).optional(),
    inputType: z.unknown().optional(),
    /** Data/DataFrame rendering: each row through this `{field}` template (Langflow's data_template). */
    dataTemplate: z.string().optional(),
  })
  .strict();

export const UNSUPPORTED_PARAMS = z
  .object({ component: z.string(), reason: z.string(), langflowId: z.string().optional() })
  .strict();

export type AgentParams = z.infer<typeof AGENT_PARAMS>;
export type MessageParams = z.infer<typeof MESSAGE_PARAMS>;

/** An agent's state between executions (continue-as-new) and its output. */
export interface AgentChatMessage {
  role: 'system' | 'user' | 'assistant' | 'tool';
  content: string | null;
  tool_calls?: { id: string; type: 'function'; function: { name: string; arguments: string } }[];
  tool_call_id?: string;
}

export interface AgentUsage {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
}

export interface AgentOutput {
  text: string;
  messages: AgentChatMessage[];
  usage: AgentUsage;
  iterations: number;
  structured?: unknown;
}

export interface RunAgentInput {
  runId: string;
  nodeId: string;
  itemIndex?: number;
  quiet?: boolean;
  /** Params with placeholders resolved, except `apiKey` and `tools` (resolved in activities). */
  params: AgentParams;
  retry?: Record<string, unknown>;
  timeout?: string;
  priority?: number;
  fairnessKey?: string;
  /** Carried across continue-as-new. */
  state?: { messages: AgentChatMessage[]; iteration: number; usage: AgentUsage; calls: number };
}

export const AGENT_WORKFLOW_TYPE = 'runAgent';
