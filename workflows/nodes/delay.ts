import { ApplicationFailure, sleep } from '@temporalio/workflow';
import { parseDuration } from '../../flow/core.js';
import { WORKFLOW_ERRORS } from '../definitions.js';
import type { NodeKindExecutor } from '../node-context.js';

/** `delay`: a durable timer of `duration` (a worker restart does not restart it). Output: null. */
export const runDelayNode: NodeKindExecutor = async (ctx, node, params) => {
  const resolved = ctx.checkParams(node, params, await ctx.resolveForWorkflow(node, params));
  const ms = parseDuration(String(resolved.duration));
  if (ms === undefined)
    throw ApplicationFailure.nonRetryable(
      `${node.id}: duration "${String(resolved.duration)}" is not a duration`,
      WORKFLOW_ERRORS.InvalidParams,
    );
  ctx.started(node, { durationMs: ms });
  await sleep(ms, { summary: `${node.id} · delay ${String(resolved.duration)}` });
  return ctx.completed(node, null);
};
