import OpenAI, { APIError, APIConnectionError } from 'openai';
import { Agent, fetch as undiciFetch } from 'undici';
import { ApplicationFailure } from '@temporalio/activity';
import type { NodeParams } from '../../flow/index.js';
import type { NodeContext } from '../node-context.js';

export const LLM_DEFAULT_BASE_URL = 'https://api.openai.com/v1';

/**
 * OpenAI-compatible streaming chat completion. Each token is published as `node.token`; 429 and 5xx
 * are retried by the node's retry policy (the SDK's own retries are off so attempts stay visible).
 */
export async function llm(params: NodeParams<'llm'>, ctx: NodeContext): Promise<{ text: string; usage: unknown }> {
  const baseURL = params.baseUrl ?? LLM_DEFAULT_BASE_URL;
  let url: URL;
  try {
    url = new URL(baseURL);
  } catch {
    throw ApplicationFailure.nonRetryable(`baseUrl "${baseURL}" is not a URL`, 'InvalidUrl');
  }
  const listed = ctx.netGuard.checkUrl(url);
  const dispatcher = new Agent({ connect: { lookup: ctx.netGuard.lookup(listed) } });
  const client = new OpenAI({
    baseURL,
    apiKey: params.apiKey ?? 'not-needed',
    maxRetries: 0,
    timeout: 10 * 60_000,
    fetch: undiciFetch as unknown as typeof fetch,
    fetchOptions: { dispatcher } as never,
    defaultHeaders: { 'Idempotency-Key': ctx.idempotencyKey },
  });
  const messages: OpenAI.Chat.ChatCompletionMessageParam[] = [];
  if (params.system) messages.push({ role: 'system', content: params.system });
  messages.push({ role: 'user', content: params.prompt });
  let text = '';
  let usage: unknown = null;
  try {
    const stream = await client.chat.completions.create(
      {
        model: params.model!, // filled from LLM_MODEL by withModelDefaults when empty
        messages,
        stream: true,
        stream_options: { include_usage: true },
        ...(params.temperature !== undefined ? { temperature: Number(params.temperature) } : {}),
        ...(params.maxTokens !== undefined ? { max_tokens: Number(params.maxTokens) } : {}),
      },
      { signal: ctx.signal },
    );
    for await (const chunk of stream) {
      const token = chunk.choices?.[0]?.delta?.content;
      if (token) {
        text += token;
        ctx.progress('node.token', { token });
        ctx.heartbeat();
      }
      if (chunk.usage) usage = chunk.usage;
    }
  } catch (err) {
    if (ctx.signal.aborted) throw err;
    if (err instanceof ApplicationFailure) throw err;
    if (err instanceof APIError && err.status !== undefined) {
      if (err.status === 429 || err.status >= 500)
        throw ApplicationFailure.retryable(`LLM ${err.status}: ${err.message}`, 'LlmServerError');
      throw ApplicationFailure.nonRetryable(`LLM ${err.status}: ${err.message}`, 'LlmClientError');
    }
    const cause = (err as { cause?: unknown }).cause;
    if (cause instanceof ApplicationFailure) throw cause;
    if (err instanceof APIConnectionError) throw new Error(`cannot reach ${url.host}: ${err.message}`);
    throw err;
  } finally {
    void dispatcher.close();
  }
  return { text, usage };
}
