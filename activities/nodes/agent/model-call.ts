import OpenAI, { APIError, APIConnectionError } from 'openai';
import { ApplicationFailure, Context } from '@temporalio/activity';
import {
  secretRefName,
  type AgentChatMessage,
  type AgentModelInput,
  type AgentModelResult,
  type AgentUsage,
} from '../../../flow/index.js';
import { LLM_DEFAULT_BASE_URL, withModelDefaults } from '../../model-defaults.js';
import type { NetGuard } from '../../net-guard.js';
import { guardedFetch } from '../../outbound.js';
import { maskedError } from '../../failure.js';
import { createStreamMasker, loadFlowSecrets, maskSecrets } from '../../secrets.js';
import { AGENT_HEARTBEAT_MS, callKey, type AgentActivityDeps } from './deps.js';
import { parseJsonAnswer } from './text.js';

/** One chat completion, streamed: content tokens are published as `node.token` events of the agent node. */
export async function callModel(
  deps: AgentActivityDeps,
  guard: NetGuard,
  input: AgentModelInput,
): Promise<AgentModelResult> {
  const ctx = Context.current();
  const attempt = ctx.info.attempt;
  const events = deps.publisher(input.runId, input.quiet === true);
  const secretValues: string[] = [];
  // A model may think long before its first token: heartbeat anyway, so only a dead worker times out.
  const beat = setInterval(() => ctx.heartbeat(), AGENT_HEARTBEAT_MS);
  try {
    let apiKey: string | undefined;
    const name = input.apiKey ? secretRefName(input.apiKey) : undefined;
    if (input.apiKey && !name)
      throw ApplicationFailure.nonRetryable('apiKey must be a {{secrets.NAME}} reference', 'InvalidParams');
    if (name) apiKey = (await loadFlowSecrets(deps.sql, [name], deps.env)).get(name);
    const filled = await withModelDefaults(deps.sql, deps.env, {
      baseUrl: input.baseUrl,
      model: input.model,
      apiKey,
    });
    if (filled.params.apiKey) secretValues.push(filled.params.apiKey);
    const baseURL = filled.params.baseUrl ?? LLM_DEFAULT_BASE_URL;
    let url: URL;
    try {
      url = new URL(baseURL);
    } catch {
      throw ApplicationFailure.nonRetryable(`baseUrl "${baseURL}" is not a URL`, 'InvalidUrl');
    }
    guard.checkUrl(url);
    const client = new OpenAI({
      baseURL,
      apiKey: filled.params.apiKey ?? 'not-needed',
      maxRetries: 0,
      timeout: 10 * 60_000,
      // Every hop through the worker's guarded dispatcher and redirect policy (as the llm node).
      fetch: guardedFetch({ guard, secrets: secretValues }),
      defaultHeaders: { 'Idempotency-Key': `${input.runId}:${callKey(input)}` },
    });
    let content = '';
    const toolCalls: NonNullable<AgentChatMessage['tool_calls']> = [];
    let usage: AgentUsage = { prompt_tokens: 0, completion_tokens: 0, total_tokens: 0 };
    let finishReason: string | null = null;
    let tokenIndex = 0;
    // Tokens are events: mask them as the llm node does, a secret split across chunks included.
    const masker = createStreamMasker(secretValues);
    const publishToken = (token: string) => {
      if (!token) return;
      events.push({
        type: 'node.token',
        key: `node.token:${callKey(input)}:${attempt}:${tokenIndex++}`,
        nodeId: input.nodeId,
        attempt,
        ts: new Date().toISOString(),
        data: { token, call: input.call },
      });
    };
    try {
      const stream = await client.chat.completions.create(
        {
          model: filled.params.model!,
          messages: input.messages as OpenAI.Chat.ChatCompletionMessageParam[],
          stream: true,
          stream_options: { include_usage: true },
          ...(input.tools?.length && !input.responseSchema ? { tools: input.tools } : {}),
          ...(input.responseSchema
            ? {
                response_format: {
                  type: 'json_schema' as const,
                  json_schema: { name: 'output', schema: input.responseSchema },
                },
              }
            : {}),
          ...(input.temperature !== undefined ? { temperature: input.temperature } : {}),
          ...(input.maxTokens !== undefined ? { max_tokens: input.maxTokens } : {}),
        },
        { signal: ctx.cancellationSignal },
      );
      for await (const chunk of stream) {
        const choice = chunk.choices?.[0];
        const token = choice?.delta?.content;
        if (token) {
          content += token;
          if (!input.responseSchema) publishToken(masker.push(token));
          ctx.heartbeat();
        }
        for (const delta of choice?.delta?.tool_calls ?? []) {
          const slot = (toolCalls[delta.index] ??= {
            id: '',
            type: 'function',
            function: { name: '', arguments: '' },
          });
          if (delta.id) slot.id = delta.id;
          if (delta.function?.name) slot.function.name += delta.function.name;
          if (delta.function?.arguments) slot.function.arguments += delta.function.arguments;
        }
        if (choice?.finish_reason) finishReason = choice.finish_reason;
        if (chunk.usage)
          usage = {
            prompt_tokens: chunk.usage.prompt_tokens ?? 0,
            completion_tokens: chunk.usage.completion_tokens ?? 0,
            total_tokens: chunk.usage.total_tokens ?? 0,
          };
      }
    } catch (err) {
      throw modelError(err, url, ctx.cancellationSignal);
    }
    if (!input.responseSchema) publishToken(masker.end());
    const calls = toolCalls.filter(Boolean).map((c, i) => ({ ...c, id: c.id || `call_${input.call}_${i}` }));
    const message: AgentChatMessage = {
      role: 'assistant',
      content: content || null,
      ...(calls.length ? { tool_calls: calls } : {}),
    };
    let structured: unknown;
    if (input.responseSchema) structured = parseJsonAnswer(content);
    await events.drain();
    return maskSecrets({ message, usage, finishReason, ...(input.responseSchema ? { structured } : {}) }, secretValues);
  } catch (err) {
    await events.drain().catch(() => undefined);
    if (err instanceof ApplicationFailure)
      throw ApplicationFailure.create({
        message: maskSecrets(err.message, secretValues),
        type: err.type ?? 'Error',
        nonRetryable: err.nonRetryable ?? false,
        nextRetryDelay: err.nextRetryDelay,
      });
    // Any other error's message enters history too when it fails the call.
    throw maskedError(err, attempt, secretValues);
  } finally {
    clearInterval(beat);
  }
}

function modelError(err: unknown, url: URL, signal: AbortSignal): unknown {
  if (signal.aborted) return err;
  if (err instanceof ApplicationFailure) return err;
  if (err instanceof APIError && err.status !== undefined) {
    if (err.status === 429 || err.status >= 500)
      return ApplicationFailure.retryable(`LLM ${err.status}: ${err.message}`, 'LlmServerError');
    return ApplicationFailure.nonRetryable(`LLM ${err.status}: ${err.message}`, 'LlmClientError');
  }
  const cause = (err as { cause?: unknown }).cause;
  if (cause instanceof ApplicationFailure) return cause;
  if (err instanceof APIConnectionError) return new Error(`cannot reach ${url.host}: ${err.message}`);
  return err;
}
