import { ApplicationFailure, Context } from '@temporalio/activity';
import type {
  AgentChatMessage,
  AgentHistoryInput,
  AgentModelInput,
  AgentModelResult,
  AgentToolInput,
} from '../../../flow/index.js';
import type { NodeContext } from '../../node-context.js';
import { createStreamMasker } from '../../secrets.js';
import { AGENT_HEARTBEAT_MS, callKey, type AgentActivityDeps } from './deps.js';
import { callModel } from './model-call.js';
import { cap, runTool } from './tools.js';

export type { AgentActivityDeps } from './deps.js';
export { evaluateArithmetic } from './arithmetic.js';
export { htmlToText, parseJsonAnswer } from './text.js';
export { TOOL_RESULT_MAX_CHARS } from './tools.js';

/**
 * The agent's activities: one per model call, one per tool call, and one that reads the session's
 * chat memory. Each is retried by the node's retry policy on its own, so a finished call is never
 * repeated when a later one fails or its worker dies.
 */
export function createAgentActivities(deps: AgentActivityDeps) {
  const guard = deps.netGuard;

  async function withHeartbeat<T>(fn: () => Promise<T>): Promise<T> {
    const ctx = Context.current();
    const timer = setInterval(() => ctx.heartbeat(), AGENT_HEARTBEAT_MS);
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
    agentModel(input: AgentModelInput): Promise<AgentModelResult> {
      return callModel(deps, guard, input);
    },

    /** One tool call. A result the model should see (also a tool's own error) is returned as text. */
    async agentTool(input: AgentToolInput): Promise<{ content: string }> {
      const ctx = Context.current();
      const attempt = ctx.info.attempt;
      const events = deps.publisher(input.runId, input.quiet === true);
      events.push({
        type: 'node.progress',
        key: `node.progress:${callKey(input)}:${attempt}`,
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
        idempotencyKey: `${input.runId}:${callKey(input)}`.slice(0, 200),
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
