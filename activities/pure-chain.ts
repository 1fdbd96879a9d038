import { Context } from '@temporalio/activity';
import type { NodeActivityResult, PureChainInput, PureChainResult } from '../flow/index.js';
import type { NodeActivity } from './node-middleware.js';

/** Followers stop being run ahead once the chain has taken this long (the local activity's timeout is the head's). */
const AHEAD_BUDGET_MS = 500;
/** …or once their results (kept in the local activity's marker, in history) reach this size as JSON. */
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
    const followers: NodeActivityResult[] = [];
    let bytes = 0;
    for (const { ahead, ...follower } of input.followers) {
      if (Date.now() - started > AHEAD_BUDGET_MS || bytes > AHEAD_BUDGET_BYTES) break;
      if (Context.current().cancellationSignal.aborted) break;
      const scope = { ...follower.scope };
      for (const id of ahead) scope[id] = outputs.get(id);
      try {
        const result = await run(follower.type)({ ...follower, scope, speculative: true });
        outputs.set(follower.nodeId, result.output);
        followers.push(result);
        bytes += JSON.stringify(result).length;
      } catch {
        break;
      }
    }
    return { head, followers };
  };
}
