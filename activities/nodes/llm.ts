import OpenAI, { APIError, APIConnectionError } from 'openai';
import { ApplicationFailure } from '@temporalio/activity';
import type { NodeParams } from '../../flow/index.js';
import type { NodeContext } from '../node-context.js';
import { guardedFetch, OUTBOUND_DEFAULTS } from '../outbound.js';
import { safeMessage } from '../secrets.js';
import { LLM_DEFAULT_BASE_URL } from '../model-defaults.js';

/**
 * OpenAI-compatible streaming chat completion. Each token is published as `node.token` (masked
 * across chunk boundaries); 429 and 5xx are retried by the node's retry policy (the SDK's own
 * retries are off so attempts stay visible). Every request goes through the worker's guarded
 * dispatcher and redirect policy, and the response stops past `maxBytes`.
 */
export async function llm(params: NodeParams<'llm'>, ctx: NodeContext): Promise<{ text: string; usage: unknown }> {
  const baseURL = params.baseUrl ?? LLM_DEFAULT_BASE_URL;
  let url: URL;
  try {
    url = new URL(baseURL);
  } catch {
    throw ApplicationFailure.nonRetryable(`baseUrl "${baseURL}" is not a URL`, 'InvalidUrl');
  }
  ctx.netGuard.checkUrl(url);
  const client = new OpenAI({
    baseURL,
    apiKey: params.apiKey ?? 'not-needed',
    maxRetries: 0,
    timeout: 10 * 60_000,
    fetch: guardedFetch({
      guard: ctx.netGuard,
      secrets: ctx.secrets,
      maxBytes: Number(params.maxBytes ?? OUTBOUND_DEFAULTS.maxBytes),
    }),
    defaultHeaders: { 'Idempotency-Key': ctx.idempotencyKey },
  });
  const messages: OpenAI.Chat.ChatCompletionMessageParam[] = [];
  if (params.system) messages.push({ role: 'system', content: params.system });
  messages.push({ role: 'user', content: params.prompt });
  let text = '';
  let usage: unknown = null;
  const masker = ctx.maskStream();
  const publish = (token: string) => {
    if (!token) return;
    ctx.progress('node.token', { token });
    ctx.heartbeat();
  };
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
        publish(masker.push(token));
      }
      if (chunk.usage) usage = chunk.usage;
    }
    publish(masker.end());
  } catch (err) {
    if (ctx.signal.aborted) throw err;
    throw llmFailure(err, url, ctx);
  }
  return { text, usage };
}

function llmFailure(err: unknown, url: URL, ctx: NodeContext): unknown {
  const found = findApplicationFailure(err);
  if (found) return found;
  const message = (m: string) => safeMessage(m, ctx.secrets);
  if (err instanceof APIError && err.status !== undefined) {
    if (err.status === 429 || err.status >= 500)
      return ApplicationFailure.retryable(message(`LLM ${err.status}: ${err.message}`), 'LlmServerError');
    return ApplicationFailure.nonRetryable(message(`LLM ${err.status}: ${err.message}`), 'LlmClientError');
  }
  if (err instanceof APIConnectionError) return new Error(message(`cannot reach ${url.host}: ${err.message}`));
  return err;
}

/** Our own failures (blocked address, refused redirect, too large) come back wrapped by the SDK and fetch. */
function findApplicationFailure(err: unknown): ApplicationFailure | undefined {
  for (let e = err, depth = 0; e && depth < 6; e = (e as { cause?: unknown }).cause, depth++)
    if (e instanceof ApplicationFailure) return e;
  return undefined;
}
