import { Context } from '@temporalio/activity';
import type { NodeActivityResult, PureChainInput, PureChainResult } from '../flow/index.js';
import type { NodeActivity } from './node-middleware.js';

/** Followers stop being run ahead once the chain has taken this long (the local activity's timeout is the head's). */
const AHEAD_BUDGET_MS = 500;
/** …and the results kept in the local activity's marker (history), the head's included, stay under this many bytes of JSON. */
const AHEAD_BUDGET_BYTES = 256 * 1024;

/**
 * Runs a pure node and then, ahead of their turn, the pure nodes that can only follow it (see
 * PureChainInput), each through its own kind's activity as if the workflow had scheduled it. The
 * head's failure is the activity's failure, retried under the head's policy; a follower's failure
 * just ends the chain: the workflow runs that node in its turn, with its own retry policy.
 */
export function createPureChain(nodes: Partial<Record<string, NodeActivity>>) {
  return async function pureChain(input: PureChainInput): Promise<PureChainResult> {
    const started = Date.now();
    const run = (type: string) => {
      const activity = nodes[type];
      if (!activity) throw new Error(`"${type}" is not a pure node kind`);
      return activity;
    };
    const head = await run(input.head.type)(input.head);
    const outputs = new Map<string, unknown>([[input.head.nodeId, head.output]]);
    const followers: PureChainResult['followers'] = [];
    let bytes = Buffer.byteLength(JSON.stringify(head));
    for (const { ahead, ...follower } of input.followers) {
      if (Date.now() - started > AHEAD_BUDGET_MS || Context.current().cancellationSignal.aborted) break;
      const scope = { ...follower.scope };
      for (const id of ahead) scope[id] = outputs.get(id);
      let result: NodeActivityResult;
      try {
        result = await run(follower.type)({ ...follower, scope, speculative: true });
      } catch (err) {
        Context.current().log.debug('a node run ahead failed; it runs again in its turn', {
          nodeId: follower.nodeId,
          error: (err as Error).message,
        });
        break;
      }
      // A result that would take the marker past the budget is dropped: that node runs in its turn.
      bytes += Buffer.byteLength(JSON.stringify(result));
      if (bytes > AHEAD_BUDGET_BYTES) break;
      outputs.set(follower.nodeId, result.output);
      followers.push({ ...result, nodeId: follower.nodeId });
    }
    return { head, followers };
  };
}
