import { executeChild } from '@temporalio/workflow';
import { flowSearchAttributes, workflowIdOf, type RunFlowInput, type RunState } from '../../flow/core.js';
import type { NodeKindExecutor } from '../node-context.js';
import { childOutcome } from './child.js';

/**
 * `subflow`: runs a pinned flow as a child runFlow (workflow id `run-<runId>.<nodeId>`), with its
 * own events, state and search attributes. Output: the child's outputs.
 */
export const runSubflowNode: NodeKindExecutor = async (ctx, node, params) => {
  const { run } = ctx;
  const resolved = ctx.checkParams(node, params, await ctx.resolveForWorkflow(node, params));
  const flow = ctx.pinned(String(resolved.flow), node.id);
  const runId = ctx.childPrefix(node);
  ctx.started(node, { childRunId: runId });
  const result = await childOutcome(
    node,
    'run',
    executeChild('runFlow', {
      workflowId: workflowIdOf(runId),
      args: [
        {
          runId,
          flow,
          inputs: (resolved.inputs ?? {}) as Record<string, unknown>,
          library: run.library,
          priority: node.priority ?? run.priority,
          fairnessKey: run.fairnessKey,
          origin: 'subflow',
          parent: { runId: run.runId, nodeId: node.id },
          quiet: ctx.isLoopItem,
        } satisfies RunFlowInput,
      ],
      staticSummary: `${node.id} · subflow ${flow.name} v${flow.version}`,
      typedSearchAttributes: flowSearchAttributes(flow),
      memo: { origin: 'subflow', parentRunId: run.runId },
      priority: ctx.childPriority(node),
    }),
  );
  return ctx.completed(node, (result as RunState).outputs);
};
