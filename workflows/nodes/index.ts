import type { NodeActivityResult, NodeDef } from '../../flow/index.js';
import type { NodeContext } from '../node-context.js';
import { runActivityNode } from './activity.js';
import { runAgentNode } from './agent.js';
import { runApprovalNode } from './approval.js';
import { runDelayNode } from './delay.js';
import { runInputNode, runOutputOrTemplateNode } from './inline.js';
import { runLoopNode } from './loop.js';
import { runSubflowNode } from './subflow.js';

export { WORKER_LOST_MAX } from './activity.js';

/**
 * Runs one node with its effective params: the kinds the workflow runs itself have their own
 * executor; every other kind is its activity. Returns each executor's promise as it is (no wrapper:
 * an extra promise step would reorder the commands of nodes that settle in the same activation).
 */
export function executeNode(ctx: NodeContext, node: NodeDef): Promise<NodeActivityResult> {
  const params = ctx.params.effective(node);
  switch (node.type) {
    case 'input':
      return runInputNode(ctx, node, params);
    case 'output':
    case 'template':
      return runOutputOrTemplateNode(ctx, node, params);
    case 'delay':
      return runDelayNode(ctx, node, params);
    case 'approval':
      return runApprovalNode(ctx, node, params);
    case 'subflow':
      return runSubflowNode(ctx, node, params);
    case 'loop':
      return runLoopNode(ctx, node, params);
    case 'agent':
      return runAgentNode(ctx, node, params);
    default:
      return runActivityNode(ctx, node, params);
  }
}
