import type { NodeActivityResult, NodeDef } from '../../flow/core.js';
import type { NodeContext, NodeKindExecutor } from '../node-context.js';
import { runActivityNode } from './activity.js';
import { runAgentNode } from './agent.js';
import { runApprovalNode } from './approval.js';
import { runDelayNode } from './delay.js';
import { inputNow, outputOrTemplateNow, runInputNode, runOutputOrTemplateNode } from './inline.js';
import { isLocalNodeType, takeAhead } from './local.js';
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
 * promise step would reorder the commands of nodes that settle in the same activation. In a lean
 * run (`lean-activations`), a node the workflow can finish at once returns its result itself: an
 * input, an output or template whose values are all in history, a pure node a chain ran ahead.
 */
export function executeNode(ctx: NodeContext, node: NodeDef): Promise<NodeActivityResult> | NodeActivityResult {
  const params = ctx.params.effective(node);
  if (ctx.run.lean) {
    if (node.type === 'input') return inputNow(ctx, node, params);
    if (node.type === 'output' || node.type === 'template')
      return outputOrTemplateNow(ctx, node, params) ?? runActivityNode(ctx, node, params);
    const early = isLocalNodeType(node.type) ? takeAhead(ctx, node) : undefined;
    if (early) return early;
  }
  return (IN_WORKFLOW.get(node.type) ?? runActivityNode)(ctx, node, params);
}
