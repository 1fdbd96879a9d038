import {
  ActivityFailure,
  ApplicationFailure,
  continueAsNew,
  proxyActivities,
  workflowInfo,
  type ActivityOptions,
} from '@temporalio/workflow';
import {
  toolFunction,
  type AgentChatMessage,
  type AgentOutput,
  type AgentUsage,
  type RunAgentInput,
} from '../flow/core.js';
import type { Activities } from '../activities/index.js';
import { WORKFLOW_ERRORS } from './definitions.js';

/** History events one agent execution may spend before it continues as new. */
export const AGENT_HISTORY_BUDGET = 2000;
const DEFAULT_MAX_ITERATIONS = 15;

/**
 * The agent node's tool-calling loop. Durability contract: every model call and every tool call is
 * its own activity, so on replay a finished call returns its recorded result and is never made
 * again; only a call that had not finished runs again (with the node's retry policy). The
 * conversation is the workflow's state; when history passes the budget (or Temporal suggests it),
 * the loop continues as new with that state, at an iteration boundary, so history stays bounded.
 * Returns `{text, messages, usage, iterations, structured?}`.
 */
export async function runAgent(input: RunAgentInput): Promise<AgentOutput> {
  const p = input.params;
  const retry = {
    maximumAttempts: 3,
    initialInterval: '1s',
    backoffCoefficient: 2,
    maximumInterval: '1m',
    ...input.retry,
  };
  const options: ActivityOptions = {
    startToCloseTimeout: input.timeout ?? '10m',
    // A worker that dies mid-call is noticed within the heartbeat timeout, not the call's timeout.
    heartbeatTimeout: '10s',
    retry: { ...retry, maximumAttempts: retry.maximumAttempts === 0 ? undefined : (retry.maximumAttempts as number) },
    ...(input.priority !== undefined
      ? { priority: { priorityKey: input.priority, fairnessKey: input.fairnessKey } }
      : {}),
  };
  const acts = (summary: string, id: string) =>
    proxyActivities<Activities>({ ...options, summary: `${input.nodeId} · ${summary}`, activityId: id });
  const base = { runId: input.runId, nodeId: input.nodeId, itemIndex: input.itemIndex, quiet: input.quiet };
  const maxIterations = typeof p.maxIterations === 'number' ? p.maxIterations : DEFAULT_MAX_ITERATIONS;
  const budget = typeof p.historyBudget === 'number' ? p.historyBudget : AGENT_HISTORY_BUDGET;
  const tools = p.tools ?? [];
  const toolFunctions = tools.map(toolFunction);
  const sessionId = typeof p.sessionId === 'string' && p.sessionId ? p.sessionId : null;
  const excludeMessageId = typeof p.excludeMessageId === 'string' ? p.excludeMessageId : null;

  let state = input.state;
  if (!state) {
    const prompt = textOf(p.prompt);
    if (!prompt && !p.system)
      throw ApplicationFailure.nonRetryable(
        `${input.nodeId}: both the prompt and the system message are empty`,
        WORKFLOW_ERRORS.InvalidParams,
      );
    const messages: AgentChatMessage[] = [];
    if (p.system) messages.push({ role: 'system', content: p.system });
    const limit = typeof p.historyMessages === 'number' ? p.historyMessages : 0;
    if (sessionId && limit > 0) {
      const { agentHistory } = acts('chat memory', 'history');
      messages.push(...(await agentHistory({ sessionId, limit, excludeMessageId })));
    }
    // Langflow lets an agent run on its system prompt alone (Blog Writer feeds the user's text there).
    if (prompt) messages.push({ role: 'user', content: prompt });
    state = { messages, iteration: 0, usage: { prompt_tokens: 0, completion_tokens: 0, total_tokens: 0 }, calls: 0 };
  }
  const { messages } = state;
  const usage: AgentUsage = { ...state.usage };
  let calls = state.calls;
  const model = {
    baseUrl: p.baseUrl,
    model: p.model,
    apiKey: p.apiKey,
    temperature: typeof p.temperature === 'number' ? p.temperature : undefined,
    maxTokens: typeof p.maxTokens === 'number' ? p.maxTokens : undefined,
  };
  const addUsage = (u: AgentUsage) => {
    usage.prompt_tokens += u.prompt_tokens;
    usage.completion_tokens += u.completion_tokens;
    usage.total_tokens += u.total_tokens;
  };

  let text: string | undefined;
  for (let iteration = state.iteration; ; iteration++) {
    if (iteration >= maxIterations)
      throw ApplicationFailure.nonRetryable(
        `${input.nodeId}: no final answer after maxIterations (${maxIterations}) model calls`,
        'AgentMaxIterations',
        { iterations: iteration },
      );
    // Only at an iteration boundary: the carried state is then the whole conversation.
    if (workflowInfo().historyLength >= budget || workflowInfo().continueAsNewSuggested)
      await continueAsNew<typeof runAgent>({ ...input, state: { messages, iteration, usage, calls } });
    const call = ++calls;
    const { agentModel } = acts(`model call ${call}`, `c${call}`);
    const answer = await agentModel({ ...base, ...model, call, messages, tools: toolFunctions });
    addUsage(answer.usage);
    messages.push(answer.message);
    const requested = answer.message.tool_calls ?? [];
    if (requested.length === 0) {
      text = answer.message.content ?? '';
      break;
    }
    // Tool calls run one after another, in the model's order: each result is recorded before the next.
    for (const tc of requested) {
      const tool = tools.find((t) => t.name === tc.function.name);
      const n = ++calls;
      let content: string;
      if (!tool) content = `Error: there is no tool named "${tc.function.name}"`;
      else {
        const { agentTool } = acts(`tool ${tool.name} (call ${n})`, `c${n}`);
        try {
          ({ content } = await agentTool({
            ...base,
            call: n,
            tool,
            arguments: tc.function.arguments,
            sessionId,
            excludeMessageId,
          }));
        } catch (err) {
          if (!(err instanceof ActivityFailure)) throw err;
          content = `Error: the tool failed: ${(err.cause as Error | undefined)?.message ?? err.message}`;
        }
      }
      messages.push({ role: 'tool', tool_call_id: tc.id, content });
    }
  }

  let structured: unknown;
  if (p.outputSchema) {
    const call = ++calls;
    const { agentModel } = acts(`structured output (call ${call})`, `c${call}`);
    const answer = await agentModel({
      ...base,
      ...model,
      call,
      messages: [
        {
          role: 'system',
          content:
            p.formatInstructions ??
            'Extract the answer into one JSON object that follows the given schema. Answer with the JSON only.',
        },
        { role: 'user', content: text },
      ],
      responseSchema: p.outputSchema,
    });
    addUsage(answer.usage);
    structured = answer.structured;
  }
  const iterations = messages.filter((m) => m.role === 'assistant').length;
  return { text, messages, usage, iterations, ...(p.outputSchema ? { structured } : {}) };
}

function textOf(value: unknown): string {
  if (typeof value === 'string') return value;
  if (value && typeof value === 'object' && typeof (value as { text?: unknown }).text === 'string')
    return (value as { text: string }).text;
  if (value === null || value === undefined) return '';
  return JSON.stringify(value);
}
