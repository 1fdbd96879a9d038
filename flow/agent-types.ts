import { z } from 'zod';
import type { EventDraft } from './run-types.js';
import type { NodeParams } from './node-types.js';

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

export type AgentParams = NodeParams<'agent'>;
export type MessageParams = NodeParams<'message'>;

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

/** What every agent activity call carries. */
export interface AgentCallBase {
  runId: string;
  nodeId: string;
  itemIndex?: number;
  quiet?: boolean;
  /** Sequence number of this call within the agent run (keys events; stable across retries). */
  call: number;
}

/** The OpenAI `tools` entry the model sees for one agent tool. */
export interface AgentToolFunction {
  type: 'function';
  function: { name: string; description: string; parameters: Record<string, unknown> };
}

/** Input of `agentModel`: one model call. */
export interface AgentModelInput extends AgentCallBase {
  baseUrl?: string;
  model?: string;
  /** A `{{secrets.NAME}}` reference, or empty for the LLM_API_KEY default. */
  apiKey?: string;
  messages: AgentChatMessage[];
  tools?: AgentToolFunction[];
  temperature?: number;
  maxTokens?: number;
  /** Ask for a JSON object of this schema (structured output); no tools then. */
  responseSchema?: Record<string, unknown>;
}

export interface AgentModelResult {
  message: AgentChatMessage;
  usage: AgentUsage;
  finishReason: string | null;
  /** Parsed content when responseSchema was set. */
  structured?: unknown;
}

/** Input of `agentTool`: one tool call. */
export interface AgentToolInput extends AgentCallBase {
  tool: AgentTool;
  /** The model's JSON arguments, as it sent them. */
  arguments: string;
  sessionId?: string | null;
  /** The run's own prompt message, left out of memory searches. */
  excludeMessageId?: string | null;
}

/** Input of `agentHistory`: the session's earlier messages. */
export interface AgentHistoryInput {
  sessionId: string;
  limit: number;
  excludeMessageId?: string | null;
}

/** Where the agent's activities publish their tokens and progress. */
export type AgentEventSink = (
  runId: string,
  quiet: boolean,
) => { push(draft: EventDraft): void; drain(): Promise<void> };
