import { proxyLocalActivities } from '@temporalio/workflow';
import { changed } from '../engine.js';
import type { NodeActivityResult, NodeDef, PureChainInput } from '../../flow/core.js';
import type { Activities } from '../../activities/index.js';
import { nodeLocalActivityOptions } from '../activity-options.js';
import type { NodeContext } from '../node-context.js';

/** Node types with no side effect that finish in milliseconds: run as local activities. */
const LOCAL_NODE_TYPES = ['transform', 'condition', 'template', 'output'] as const;
type LocalNodeType = (typeof LOCAL_NODE_TYPES)[number];

/** Most nodes one local activity runs ahead of their turn (its marker holds all their results). */
const MAX_AHEAD = 20;

export const isLocalNodeType = (type: string): type is LocalNodeType =>
  (LOCAL_NODE_TYPES as readonly string[]).includes(type);

/**
 * A pure node (no side effect, short) as a local activity: it runs in the worker that holds the
 * run, inside the current workflow task, with no task queue round trip, so a chain of pure nodes
 * costs milliseconds per node instead of a dispatch each. Its retry policy and timeout are the
 * node's; if the worker is lost, the next one re-runs it from the last recorded result (a pure
 * node may run twice; it has no effect to repeat), so no heartbeat is needed.
 *
 * The pure nodes that can only follow it run in the same local activity, ahead of their turn
 * (`pureChain`): when a turn comes, the result is taken and its events written, with no activity at
 * all. A follower that failed ahead runs again in its turn, as any node, under its own policy.
 */
export async function runLocalNode(
  ctx: NodeContext,
  node: NodeDef,
  type: LocalNodeType,
  params: Record<string, unknown>,
): Promise<NodeActivityResult> {
  const early = takeAhead(ctx, node);
  if (early) return early;
  const local = proxyLocalActivities<Activities>(nodeLocalActivityOptions(node));
  const input = ctx.activityInput(node, params);
  // Histories recorded before chains ran ahead replay one local activity per node.
  // A head with its own timeout runs alone: ahead, its followers would run within that timeout.
  const followers =
    type !== 'condition' && node.timeout === undefined && changed('pure-chains-ahead') ? chainAfter(ctx, node) : [];
  const riding = ctx.isLoopItem ? [] : ctx.run.outbox.takeForActivity();
  if (riding.length > 0) input.events = riding;
  try {
    if (followers.length === 0) {
      const result = await local[type](input);
      if (result.events && !ctx.isLoopItem) ctx.run.outbox.write(result.events);
      ctx.run.outbox.landed(riding, result.events);
      return result;
    }
    const ids = [node.id, ...followers.map((f) => f.nodeId)];
    const chain = await proxyLocalActivities<Activities>({
      ...nodeLocalActivityOptions(node),
      summary: `${ids[0]}…${ids[ids.length - 1]} · ${ids.length} pure nodes`,
    }).pureChain({ head: input, followers });
    // Taken by node id, never by position: a result is only ever given to the node that made it.
    const asked = new Set(followers.map((f) => f.nodeId));
    for (const { nodeId, ...result } of chain.followers) if (asked.has(nodeId)) ctx.putAhead(nodeId, result);
    if (chain.head.events && !ctx.isLoopItem) ctx.run.outbox.write(chain.head.events);
    ctx.run.outbox.landed(riding, chain.head.events);
    return chain.head;
  } catch (err) {
    ctx.run.outbox.write(riding);
    throw err;
  }
}

/** The result a pure chain ran ahead for this node, if any, with its events queued for the log. */
export function takeAhead(ctx: NodeContext, node: NodeDef): NodeActivityResult | undefined {
  const early = ctx.takeAhead(node.id);
  if (early?.events && !ctx.isLoopItem) ctx.run.outbox.write(early.events);
  return early;
}

/**
 * The pure nodes that can only run after `head`, in order: each the single successor of the one
 * before (which is not a condition: its branches are decided by its output), with no other input,
 * not yet settled, and with no timeout of its own (ahead, it runs within the head's).
 */
function chainAfter(ctx: NodeContext, head: NodeDef): PureChainInput['followers'] {
  const { graph } = ctx.params;
  const followers: PureChainInput['followers'] = [];
  const inChain = new Set([head.id]);
  for (let at = head; followers.length < MAX_AHEAD && at.type !== 'condition';) {
    const out = graph.outgoing.get(at.id)!;
    if (out.length !== 1) break;
    const next = graph.nodes.get(out[0].target)!;
    if (next.type !== 'transform' && next.type !== 'condition') break;
    if (graph.incoming.get(next.id)!.length !== 1 || next.timeout !== undefined) break;
    if (ctx.state(next.id).status !== 'pending') break;
    const params = ctx.params.effective(next, at.id);
    const ahead = [...ctx.params.scopeNames(next, params)].filter((id) => inChain.has(id));
    followers.push({ ...ctx.activityInput(next, params), ahead });
    inChain.add(next.id);
    at = next;
  }
  return followers;
}
