import { ApplicationFailure, proxyActivities } from '@temporalio/workflow';
import { changed } from '../engine.js';
import { isActivityNodeType } from '../../flow/core.js';
import type { Activities } from '../../activities/index.js';
import { DEFAULT_RETRY, nodeActivityOptions } from '../activity-options.js';
import { WORKFLOW_ERRORS } from '../definitions.js';
import { workerLostAttempt } from '../failures.js';
import type { NodeKindExecutor } from '../node-context.js';
import { isLocalNodeType, runLocalNode } from './local.js';

/** Attempts of one node lost with their worker before the node fails (they do not spend its retries). */
export const WORKER_LOST_MAX = 25;

/**
 * Runs a node as its activity. The server retries the node's own errors under its retry policy; a
 * heartbeat timeout (the worker running the attempt was lost) is not retried there but comes back
 * here, and the node is scheduled again with the attempts its own errors spent so far: a lost
 * worker never spends `maximumAttempts`. At most WORKER_LOST_MAX attempts of a node may be lost.
 */
export const runActivityNode: NodeKindExecutor = async (ctx, node, params) => {
  // Histories recorded before pure nodes ran as local activities replay them as activities.
  if (isLocalNodeType(node.type) && changed('pure-nodes-local')) return runLocalNode(ctx, node, node.type, params);
  const type = node.type;
  if (!isActivityNodeType(type))
    throw ApplicationFailure.nonRetryable(
      `${node.id}: "${type}" is not run by an activity`,
      WORKFLOW_ERRORS.InvalidParams,
    );
  const maximum = node.retry?.maximumAttempts ?? DEFAULT_RETRY.maximumAttempts;
  const input = ctx.activityInput(node, params);
  let attemptBase = 0;
  let ownFailures = 0;
  for (let lost = 0; ;) {
    const remaining = maximum === 0 ? 0 : maximum - ownFailures;
    const activities = proxyActivities<Activities>(nodeActivityOptions(node, remaining, ctx.run));
    const run = activities[type];
    // The run's unwritten events ride along; given back if the activity may not have written them.
    const riding = ctx.isLoopItem ? [] : ctx.run.outbox.takeForActivity();
    try {
      const result = await run({
        ...input,
        maximumAttempts: remaining,
        ...(attemptBase === 0 ? {} : { attemptBase }),
        ...(riding.length > 0 ? { events: riding } : {}),
      });
      if (result.events && !ctx.isLoopItem) ctx.run.outbox.write(result.events);
      ctx.run.outbox.landed(riding, result.events);
      return result;
    } catch (err) {
      ctx.run.outbox.write(riding);
      const lostAttempt = workerLostAttempt(err, attemptBase);
      // Histories recorded before this change failed the node here; replaying them must still do so.
      if (lostAttempt === undefined || !changed('worker-lost-retry')) throw err;
      lost += 1;
      if (lost > WORKER_LOST_MAX)
        throw ApplicationFailure.nonRetryable(
          `${node.id}: its worker was lost ${lost} times (attempt ${lostAttempt} last); giving up`,
          WORKFLOW_ERRORS.WorkerLost,
        );
      ownFailures += lostAttempt - attemptBase - 1;
      attemptBase = lostAttempt;
      ctx.setState(node.id, { ...ctx.state(node.id), status: 'retrying', attempts: lostAttempt });
      ctx.emit('node.retrying', `node.retrying:${node.id}:worker-lost:${lostAttempt}`, {
        nodeId: node.id,
        attempt: lostAttempt,
        data: {
          reason: 'worker-lost',
          lost,
          error: { message: 'the worker running this attempt was lost (heartbeat timeout)', type: 'WorkerLost' },
        },
      });
    }
  }
};
