import { proxyLocalActivities } from '@temporalio/workflow';
import type { NodeActivityResult, NodeDef } from '../../flow/core.js';
import type { Activities } from '../../activities/index.js';
import { nodeLocalActivityOptions } from '../activity-options.js';
import type { NodeContext } from '../node-context.js';

/** Node types with no side effect that finish in milliseconds: run as local activities. */
const LOCAL_NODE_TYPES = ['transform', 'condition', 'template', 'output'] as const;
type LocalNodeType = (typeof LOCAL_NODE_TYPES)[number];

export const isLocalNodeType = (type: string): type is LocalNodeType =>
  (LOCAL_NODE_TYPES as readonly string[]).includes(type);

/**
 * A pure node (no side effect, short) as a local activity: it runs in the worker that holds the
 * run, inside the current workflow task, with no task queue round trip, so a chain of pure nodes
 * costs milliseconds per node instead of a dispatch each. Its retry policy and timeout are the
 * node's; if the worker is lost, the next one re-runs it from the last recorded result (a pure
 * node may run twice; it has no effect to repeat), so no heartbeat is needed.
 */
export async function runLocalNode(
  ctx: NodeContext,
  node: NodeDef,
  type: LocalNodeType,
  params: Record<string, unknown>,
): Promise<NodeActivityResult> {
  const local = proxyLocalActivities<Activities>(nodeLocalActivityOptions(node));
  const riding = ctx.isLoopItem ? [] : ctx.run.outbox.takeForActivity();
  try {
    const result = await local[type]({
      ...ctx.activityInput(node, params),
      ...(riding.length > 0 ? { events: riding } : {}),
    });
    if (result.events && !ctx.isLoopItem) ctx.run.outbox.write(result.events);
    return result;
  } catch (err) {
    ctx.run.outbox.write(riding);
    throw err;
  }
}
