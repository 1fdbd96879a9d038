import { executeChild, proxyActivities } from '@temporalio/workflow';
import { childOutcome } from './child.js';
import { type GraphDef, type RunLoopInput } from '../../flow/core.js';
import type { Activities } from '../../activities/index.js';
import { helperActivityOptions } from '../activity-options.js';
import type { NodeKindExecutor } from '../node-context.js';

/**
 * `loop`: runs its body once per item in a child runLoop (workflow id
 * `loop-<runId>.<nodeId>-0-<count>`), at most `concurrency` items at a time. Items given inline
 * enter history; items that live in a blob are counted by an activity and read by the children.
 * Output: each item's outputs, in item order.
 */
export const runLoopNode: NodeKindExecutor = async (ctx, node, params) => {
  const { run } = ctx;
  const { body: rawBody, ...rest } = params;
  const resolved = await ctx.resolveForWorkflow(node, rest);
  ctx.checkParams(node, rest, { ...resolved, body: rawBody });
  const body = typeof rawBody === 'string' ? ctx.pinned(rawBody, node.id).definition : (rawBody as GraphDef);
  let items: RunLoopInput['items'];
  let count: number;
  if (Array.isArray(resolved.items)) {
    items = { items: resolved.items };
    count = resolved.items.length;
  } else {
    const { loopItems } = proxyActivities<Activities>(helperActivityOptions(node, 'loop items', '2m'));
    const parsed = await loopItems(ctx.activityInput(node, { items: params.items }));
    items = parsed.source;
    count = parsed.count;
  }
  const concurrency = typeof resolved.concurrency === 'number' ? resolved.concurrency : 10;
  ctx.started(node, { items: count, concurrency });
  const output =
    count === 0
      ? []
      : await childOutcome(
          node,
          'loop workflow',
          executeChild('runLoop', {
            workflowId: `loop-${ctx.childPrefix(node)}-0-${count}`,
            args: [
              {
                runId: run.runId,
                nodeId: node.id,
                body,
                items,
                offset: 0,
                count,
                concurrency,
                library: run.library,
                priority: node.priority ?? run.priority,
                fairnessKey: run.fairnessKey,
              } satisfies RunLoopInput,
            ],
            staticSummary: `${node.id} · loop over ${count} items`,
            priority: ctx.childPriority(node),
          }),
        );
  return ctx.completed(node, output, { items: count });
};
