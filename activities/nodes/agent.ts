import OpenAI, { APIError, APIConnectionError } from 'openai';
import { ApplicationFailure, Context } from '@temporalio/activity';
import {
  NODE_TYPE_PARAMS,
  findPlaceholders,
  getPath,
  resolvePlaceholders,
  type AgentChatMessage,
  type AgentTool,
  type AgentUsage,
  type EventDraft,
} from '../../flow/index.js';
import type { Logger, Sql } from '../../infra/index.js';
import { createNetGuard } from '../net-guard.js';
import type { NodeContext } from '../node-context.js';
import { createStreamMasker, loadSecrets, maskSecrets } from '../secrets.js';
import { guardedFetch } from '../outbound.js';
import { withModelDefaults } from '../model-defaults.js';
import { LLM_DEFAULT_BASE_URL } from './llm.js';
import { http } from './http.js';

/** Most characters of one tool result sent back to the model (and kept in history). */
export const TOOL_RESULT_MAX_CHARS = 20_000;
const HEARTBEAT_MS = 2_000;

export interface AgentCallBase {
  runId: string;
  nodeId: string;
  itemIndex?: number;
  quiet?: boolean;
  /** Sequence number of this call within the agent run (keys events; stable across retries). */
  call: number;
}

export interface AgentModelInput extends AgentCallBase {
  baseUrl?: string;
  model?: string;
  /** A `{{secrets.NAME}}` reference, or empty for the LLM_API_KEY default. */
  apiKey?: string;
  messages: AgentChatMessage[];
  tools?: { type: 'function'; function: { name: string; description: string; parameters: Record<string, unknown> } }[];
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

export interface AgentToolInput extends AgentCallBase {
  tool: AgentTool;
  /** The model's JSON arguments, as it sent them. */
  arguments: string;
  sessionId?: string | null;
  /** The run's own prompt message, left out of memory searches. */
  excludeMessageId?: string | null;
}

export interface AgentHistoryInput {
  sessionId: string;
  limit: number;
  excludeMessageId?: string | null;
}

export interface AgentActivityDeps {
  sql: Sql;
  logger: Logger;
  httpAllowHosts: readonly string[];
  env: NodeJS.ProcessEnv;
  publisher(runId: string, quiet: boolean): { push(draft: EventDraft): void; drain(): Promise<void> };
}

/**
 * The agent's activities: one per model call, one per tool call, and one that reads the session's
 * chat memory. Each is retried by the node's retry policy on its own, so a finished call is never
 * repeated when a later one fails or its worker dies.
 */
export function createAgentActivities(deps: AgentActivityDeps) {
  const guard = createNetGuard(deps.httpAllowHosts);

  function keyOf(input: AgentCallBase): string {
    return `${input.nodeId}:${input.itemIndex ?? ''}:c${input.call}`;
  }

  async function withHeartbeat<T>(fn: () => Promise<T>): Promise<T> {
    const ctx = Context.current();
    const timer = setInterval(() => ctx.heartbeat(), HEARTBEAT_MS);
    try {
      return await fn();
    } finally {
      clearInterval(timer);
    }
  }

  return {
    /** The session's earlier messages, oldest first (Langflow's agent reads `n_messages` of them). */
    async agentHistory(input: AgentHistoryInput): Promise<AgentChatMessage[]> {
      if (input.limit <= 0) return [];
      const rows = await deps.sql<{ id: string; sender: string; text: string }[]>`
        SELECT id, sender, text FROM (
          SELECT id, sender, text, created_at FROM chat_messages
          WHERE session_id = ${input.sessionId} AND id <> ${input.excludeMessageId ?? ''}
          ORDER BY created_at DESC, id DESC LIMIT ${input.limit}
        ) recent ORDER BY created_at, id`;
      return rows.map((r) => ({ role: r.sender === 'User' ? 'user' : 'assistant', content: r.text }));
    },

    /** One chat completion, streamed: content tokens are published as `node.token` events of the agent node. */
    async agentModel(input: AgentModelInput): Promise<AgentModelResult> {
      const ctx = Context.current();
      const attempt = ctx.info.attempt;
      const events = deps.publisher(input.runId, input.quiet === true);
      const secretValues: string[] = [];
      // A model may think long before its first token: heartbeat anyway, so only a dead worker times out.
      const beat = setInterval(() => ctx.heartbeat(), HEARTBEAT_MS);
      try {
        let apiKey: string | undefined;
        const ref = input.apiKey ? /^\{\{\s*secrets\.([A-Za-z0-9_]+)\s*\}\}$/.exec(input.apiKey) : null;
        if (input.apiKey && !ref)
          throw ApplicationFailure.nonRetryable('apiKey must be a {{secrets.NAME}} reference', 'InvalidParams');
        if (ref) apiKey = (await loadSecrets(deps.sql, [ref[1]], deps.env)).get(ref[1]);
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
          defaultHeaders: { 'Idempotency-Key': `${input.runId}:${keyOf(input)}` },
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
            key: `node.token:${keyOf(input)}:${attempt}:${tokenIndex++}`,
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
        return maskSecrets(
          { message, usage, finishReason, ...(input.responseSchema ? { structured } : {}) },
          secretValues,
        );
      } catch (err) {
        await events.drain().catch(() => undefined);
        if (err instanceof ApplicationFailure)
          throw ApplicationFailure.create({
            message: maskSecrets(err.message, secretValues),
            type: err.type ?? 'Error',
            nonRetryable: err.nonRetryable ?? false,
            nextRetryDelay: err.nextRetryDelay,
          });
        throw err;
      } finally {
        clearInterval(beat);
      }
    },

    /** One tool call. A result the model should see (also a tool's own error) is returned as text. */
    async agentTool(input: AgentToolInput): Promise<{ content: string }> {
      const ctx = Context.current();
      const attempt = ctx.info.attempt;
      const events = deps.publisher(input.runId, input.quiet === true);
      events.push({
        type: 'node.progress',
        key: `node.progress:${keyOf(input)}:${attempt}`,
        nodeId: input.nodeId,
        attempt,
        ts: new Date().toISOString(),
        data: { tool: input.tool.name, kind: input.tool.kind, call: input.call },
      });
      let args: Record<string, unknown>;
      try {
        const parsed: unknown = input.arguments.trim() ? JSON.parse(input.arguments) : {};
        args = typeof parsed === 'object' && parsed !== null ? (parsed as Record<string, unknown>) : { value: parsed };
      } catch {
        await events.drain();
        return { content: `Error: the arguments are not valid JSON: ${input.arguments.slice(0, 200)}` };
      }
      const nodeCtx: NodeContext = {
        runId: input.runId,
        nodeId: input.nodeId,
        attempt,
        idempotencyKey: `${input.runId}:${keyOf(input)}`.slice(0, 200),
        scope: {},
        signal: ctx.cancellationSignal,
        heartbeat: (d) => ctx.heartbeat(d),
        sleep: (ms) => ctx.sleep(ms),
        progress: () => undefined,
        netGuard: guard,
        secrets: [],
        mask: (value) => value,
        maskStream: () => createStreamMasker([]),
        logger: deps.logger.child({ runId: input.runId, nodeId: input.nodeId, tool: input.tool.name }),
      };
      try {
        const content = await withHeartbeat(() => runTool(deps, input, args, nodeCtx));
        await events.drain();
        return { content: cap(content) };
      } catch (err) {
        await events.drain().catch(() => undefined);
        // A permanent failure is the model's to handle (Langflow's handle_parsing_errors); transient ones retry.
        if (err instanceof ApplicationFailure && err.nonRetryable) return { content: `Error: ${err.message}` };
        throw err;
      }
    },
  };
}

async function runTool(
  deps: AgentActivityDeps,
  input: AgentToolInput,
  args: Record<string, unknown>,
  ctx: NodeContext,
): Promise<string> {
  const config = input.tool.config ?? {};
  switch (input.tool.kind) {
    case 'calculator':
      try {
        return String(evaluateArithmetic(String(args.expression ?? '')));
      } catch (err) {
        return `Error: ${(err as Error).message}`;
      }
    case 'current_date':
      return new Date().toISOString();
    case 'memory_search': {
      const query = String(args.search_query ?? args.query ?? '');
      const topK = typeof config.topK === 'number' ? config.topK : 5;
      const bySession = config.filterBySession !== false;
      if (bySession && !input.sessionId) return 'No memory: this run has no session_id.';
      const words = query
        .toLowerCase()
        .split(/[^\p{L}\p{N}]+/u)
        .filter((w) => w.length >= 3)
        .map((w) => `%${w.replace(/[%_\\]/g, (c) => `\\${c}`)}%`);
      const rows = await deps.sql<{ sender: string; text: string; created_at: Date }[]>`
        SELECT sender, text, created_at FROM chat_messages
        WHERE ${bySession ? deps.sql`session_id = ${input.sessionId!}` : deps.sql`TRUE`}
          AND id <> ${input.excludeMessageId ?? ''}
          ${words.length ? deps.sql`AND text ILIKE ANY(${words})` : deps.sql``}
        ORDER BY created_at DESC LIMIT ${topK}`;
      if (rows.length === 0) return 'No matching memories.';
      return rows.map((r) => `[${r.created_at.toISOString()}] ${r.sender}: ${r.text}`).join('\n');
    }
    case 'url_fetch': {
      const urls = (Array.isArray(args.urls) ? args.urls : [args.urls ?? args.url]).filter(
        (u): u is string => typeof u === 'string' && u.length > 0,
      );
      if (urls.length === 0) return 'Error: give at least one URL in "urls".';
      const parts: string[] = [];
      for (const url of urls.slice(0, 10)) {
        try {
          const res = await http(
            {
              method: 'GET',
              url,
              headers: (config.headers as Record<string, string> | undefined) ?? {},
              responseType: 'text',
              ...(typeof config.timeoutMs === 'number' ? { timeoutMs: config.timeoutMs } : {}),
            },
            ctx,
          );
          const body = typeof res.body === 'string' ? res.body : JSON.stringify(res.body);
          parts.push(`# ${url}\n${config.format === 'html' ? body : htmlToText(body)}`);
        } catch (err) {
          if (err instanceof ApplicationFailure && err.nonRetryable) parts.push(`# ${url}\nError: ${err.message}`);
          else throw err;
        }
      }
      return parts.join('\n\n');
    }
    case 'http': {
      const names = findPlaceholders(config)
        .filter((r) => r.root === 'secrets')
        .map((r) => String(r.path[0]));
      const secrets = names.length ? await loadSecrets(deps.sql, names, deps.env) : new Map<string, string>();
      const resolved = resolvePlaceholders(config, (ref) => {
        if (ref.root === 'args') return { found: true, value: getPath(args, ref.path) };
        if (ref.root === 'secrets') return { found: true, value: secrets.get(String(ref.path[0])) };
        return { found: false, reason: `only {{args.*}} and {{secrets.*}} are known in a tool (got "${ref.root}")` };
      });
      const checked = NODE_TYPE_PARAMS.http.safeParse(resolved);
      if (!checked.success)
        throw ApplicationFailure.nonRetryable(`tool "${input.tool.name}": ${checked.error.message}`, 'InvalidParams');
      // The tool's secrets travel with its request: headers carrying one never follow a cross-origin redirect.
      const values = [...secrets.values()];
      const res = await http(checked.data, { ...ctx, secrets: values, mask: (v) => maskSecrets(v, values) });
      const body = typeof res.body === 'string' ? htmlToText(res.body) : JSON.stringify(res.body);
      return maskSecrets(body, values);
    }
  }
}

function cap(text: string): string {
  return text.length > TOOL_RESULT_MAX_CHARS ? `${text.slice(0, TOOL_RESULT_MAX_CHARS)}\n…(truncated)` : text;
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

/** The JSON object in a model's answer (fenced or bare). */
export function parseJsonAnswer(content: string): unknown {
  const fenced = /```(?:json)?\s*([\s\S]*?)```/.exec(content);
  const text = (fenced ? fenced[1] : content).trim();
  try {
    return JSON.parse(text);
  } catch {
    const start = text.search(/[[{]/);
    const end = Math.max(text.lastIndexOf('}'), text.lastIndexOf(']'));
    if (start >= 0 && end > start) {
      try {
        return JSON.parse(text.slice(start, end + 1));
      } catch {
        /* fall through */
      }
    }
    throw ApplicationFailure.nonRetryable(
      `structured output: the model's answer is not JSON: ${content.slice(0, 200)}`,
      'InvalidStructuredOutput',
    );
  }
}

/** Readable text of an HTML page: scripts, styles and tags removed, entities decoded, blank runs collapsed. */
export function htmlToText(html: string): string {
  if (!/<[a-z!/][^>]*>/i.test(html)) return html;
  return html
    .replace(/<(script|style|noscript|template)[^>]*>[\s\S]*?<\/\1>/gi, ' ')
    .replace(/<!--[\s\S]*?-->/g, ' ')
    .replace(/<(br|\/p|\/div|\/li|\/h[1-6]|\/tr)[^>]*>/gi, '\n')
    .replace(/<[^>]+>/g, ' ')
    .replace(/&nbsp;/g, ' ')
    .replace(/&amp;/g, '&')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/[ \t]+/g, ' ')
    .replace(/ ?\n ?/g, '\n')
    .replace(/\n\s*\n+/g, '\n\n')
    .trim();
}

/** Arithmetic only: numbers, + - * / % **, unary minus and parentheses (no names, no calls). */
export function evaluateArithmetic(expression: string): number {
  const tokens = expression.match(/\d+(?:\.\d+)?(?:e[+-]?\d+)?|\*\*|[-+*/%()^]|\S/gi) ?? [];
  let i = 0;
  const peek = () => tokens[i];
  const take = () => tokens[i++];
  const primary = (): number => {
    const t = take();
    if (t === undefined) throw new Error('the expression ends too early');
    if (t === '(') {
      const v = sum();
      if (take() !== ')') throw new Error('a "(" is not closed');
      return v;
    }
    if (t === '-') return -power();
    if (t === '+') return power();
    if (/^\d/.test(t)) return Number(t);
    throw new Error(`unexpected "${t}" (only numbers, + - * / % ** and parentheses)`);
  };
  const power = (): number => {
    const base = primary();
    if (peek() === '**' || peek() === '^') {
      take();
      return base ** power();
    }
    return base;
  };
  const product = (): number => {
    let v = power();
    while (peek() === '*' || peek() === '/' || peek() === '%') {
      const op = take();
      const r = power();
      v = op === '*' ? v * r : op === '/' ? v / r : v % r;
    }
    return v;
  };
  const sum = (): number => {
    let v = product();
    while (peek() === '+' || peek() === '-') v = take() === '+' ? v + product() : v - product();
    return v;
  };
  const result = sum();
  if (i < tokens.length) throw new Error(`unexpected "${tokens[i]}"`);
  if (!Number.isFinite(result)) throw new Error('the result is not a finite number');
  return result;
}
