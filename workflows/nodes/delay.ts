import { ApplicationFailure, sleep } from '@temporalio/workflow';
import { parseDuration, type NodeActivityResult, type NodeDef } from '../../flow/index.js';
import { WORKFLOW_ERRORS } from '../definitions.js';
import type { NodeContext } from '../node-context.js';

/** `delay`: a durable timer of `duration` (a worker restart does not restart it). Output: null. */
export async function runDelayNode(
  ctx: NodeContext,
  node: NodeDef,
  params: Record<string, unknown>,
): Promise<NodeActivityResult> {
  const resolved = ctx.checkParams(node, await ctx.resolveForWorkflow(node, params));
  const ms = parseDuration(String(resolved.duration));
  if (ms === undefined)
    throw ApplicationFailure.nonRetryable(
      `${node.id}: duration "${String(resolved.duration)}" is not a duration`,
      WORKFLOW_ERRORS.InvalidParams,
    );
  ctx.started(node, { durationMs: ms });
  await sleep(ms, { summary: `${node.id} · delay ${String(resolved.duration)}` });
  return ctx.completed(node, null);
}
