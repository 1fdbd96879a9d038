import { executeChild } from '@temporalio/workflow';
import { type RunAgentInput } from '../../flow/core.js';
import type { NodeKindExecutor } from '../node-context.js';
import { childOutcome } from './child.js';

/**
 * `agent`: its tool-calling loop runs as a child runAgent (its own bounded history); tools and the
 * API key are passed unresolved and resolve in its activities. Output: the agent's answer.
 */
export const runAgentNode: NodeKindExecutor = async (ctx, node, params) => {
  const { run } = ctx;
  const { tools, apiKey, ...rest } = params;
  const resolved = await ctx.resolveForWorkflow(node, rest);
  ctx.started(node);
  const output = await childOutcome(
    node,
    'agent workflow',
    executeChild('runAgent', {
      workflowId: `agent-${ctx.childPrefix(node)}`,
      args: [
        {
          runId: run.runId,
          nodeId: node.id,
          itemIndex: run.loopItem,
          quiet: ctx.isLoopItem,
          params: {
            ...resolved,
            ...(tools ? { tools } : {}),
            ...(apiKey ? { apiKey } : {}),
          } as RunAgentInput['params'],
          retry: node.retry,
          timeout: node.timeout,
          priority: node.priority,
          fairnessKey: run.fairnessKey,
        } satisfies RunAgentInput,
      ],
      staticSummary: `${node.id} · agent`,
      priority: ctx.childPriority(node),
    }),
  );
  return ctx.completed(node, output);
};
