import type { NodeActivityResult, NodeDef } from '../../flow/core.js';
import type { NodeContext, NodeKindExecutor } from '../node-context.js';
import { runActivityNode } from './activity.js';
import { runAgentNode } from './agent.js';
import { runApprovalNode } from './approval.js';
import { runDelayNode } from './delay.js';
import { runInputNode, runOutputOrTemplateNode } from './inline.js';
import { runLoopNode } from './loop.js';
import { runSubflowNode } from './subflow.js';

/** The node kinds the workflow runs itself (every other kind is its activity: runActivityNode). */
const IN_WORKFLOW = new Map<string, NodeKindExecutor>([
  ['input', runInputNode],
  ['output', runOutputOrTemplateNode],
  ['template', runOutputOrTemplateNode],
  ['delay', runDelayNode],
  ['approval', runApprovalNode],
  ['subflow', runSubflowNode],
  ['loop', runLoopNode],
  ['agent', runAgentNode],
]);

/**
 * Runs one node with its effective params. Returns the executor's promise as it is: one more
 * promise step would reorder the commands of nodes that settle in the same activation.
 */
export function executeNode(ctx: NodeContext, node: NodeDef): Promise<NodeActivityResult> {
  const params = ctx.params.effective(node);
  return (IN_WORKFLOW.get(node.type) ?? runActivityNode)(ctx, node, params);
}
