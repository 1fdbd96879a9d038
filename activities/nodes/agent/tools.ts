import { ApplicationFailure } from '@temporalio/activity';
import {
  NODE_TYPE_PARAMS,
  findPlaceholders,
  getPath,
  resolvePlaceholders,
  type AgentToolInput,
} from '../../../flow/index.js';
import type { NodeContext } from '../../node-context.js';
import { maskedError } from '../../failure.js';
import { loadFlowSecrets, maskSecrets } from '../../secrets.js';
import { http } from '../http.js';
import { evaluateArithmetic } from './arithmetic.js';
import type { AgentActivityDeps } from './deps.js';
import { htmlToText } from './text.js';

/** Most characters of one tool result sent back to the model (and kept in history). */
export const TOOL_RESULT_MAX_CHARS = 20_000;

/** Runs one tool of the agent with the model's arguments; its answer is text for the model. */
export async function runTool(
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
      const secrets = names.length ? await loadFlowSecrets(deps.sql, names, deps.env) : new Map<string, string>();
      const resolved = resolvePlaceholders(config, (ref) => {
        if (ref.root === 'args') return { found: true, value: getPath(args, ref.path) };
        if (ref.root === 'secrets') return { found: true, value: secrets.get(String(ref.path[0])) };
        return { found: false, reason: `only {{args.*}} and {{secrets.*}} are known in a tool (got "${ref.root}")` };
      });
      const values = [...secrets.values()];
      try {
        const checked = NODE_TYPE_PARAMS.http.safeParse(resolved);
        if (!checked.success)
          throw ApplicationFailure.nonRetryable(`tool "${input.tool.name}": ${checked.error.message}`, 'InvalidParams');
        // The tool's secrets travel with its request: headers carrying one never follow a cross-origin redirect.
        const res = await http(checked.data, { ...ctx, secrets: values, mask: (v) => maskSecrets(v, values) });
        const body = typeof res.body === 'string' ? htmlToText(res.body) : JSON.stringify(res.body);
        return maskSecrets(body, values);
      } catch (err) {
        // A failure names the request (`HTTP 404 from host/path`), secrets in its URL included: the
        // message goes to the model, into the agent's messages and, if it fails the call, history.
        throw maskedError(err, ctx.attempt, values);
      }
    }
  }
}

/** A tool result cut to TOOL_RESULT_MAX_CHARS. */
export function cap(text: string): string {
  return text.length > TOOL_RESULT_MAX_CHARS ? `${text.slice(0, TOOL_RESULT_MAX_CHARS)}\n…(truncated)` : text;
}
