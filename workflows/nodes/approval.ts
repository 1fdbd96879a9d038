import { ApplicationFailure, condition } from '@temporalio/workflow';
import { WORKFLOW_ERRORS } from '../definitions.js';
import type { NodeKindExecutor } from '../node-context.js';

/**
 * `approval`: the node waits (status `waiting`, event `node.waiting`) until the approve update
 * decides it, or fails with `ApprovalTimedOut` after `timeout`. Output: the decision.
 */
export const runApprovalNode: NodeKindExecutor = async (ctx, node, params) => {
  const decisions = ctx.run.decisions;
  if (!decisions)
    throw ApplicationFailure.nonRetryable(
      `${node.id}: approvals are not supported inside loop bodies`,
      WORKFLOW_ERRORS.InvalidParams,
    );
  // Inline resolution only: it schedules nothing, so histories of existing runs replay unchanged.
  const inline = ctx.resolveInline(params);
  if (inline.ok) params = ctx.checkParams(node, params, inline.value);
  const timeout = typeof params.timeout === 'string' ? params.timeout : undefined;
  ctx.setState(node.id, { ...ctx.state(node.id), status: 'waiting' });
  ctx.announce('node.waiting', node.id, { message: params.message ?? null, timeout: timeout ?? null });
  const summary = { summary: `${node.id} · approval` };
  const decided = timeout
    ? await condition(() => decisions.has(node.id), timeout, summary)
    : (await condition(() => decisions.has(node.id)), true);
  ctx.setState(node.id, { ...ctx.state(node.id), status: 'running' });
  if (!decided)
    throw ApplicationFailure.nonRetryable(
      `approval "${node.id}" timed out after ${timeout}`,
      WORKFLOW_ERRORS.ApprovalTimedOut,
    );
  const decision = decisions.get(node.id)!;
  return ctx.completed(node, decision, { approved: decision.approved });
};
