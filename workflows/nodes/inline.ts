import type { NodeActivityResult, NodeDef } from '../../flow/core.js';
import type { NodeContext, NodeKindExecutor } from '../node-context.js';
import { runActivityNode } from './activity.js';

/** `input`: the run's input of that name (or all inputs), else the node's default. Runs in the workflow. */
export function inputNow(ctx: NodeContext, node: NodeDef, params: Record<string, unknown>): NodeActivityResult {
  const name = typeof params.name === 'string' ? params.name : undefined;
  const value = name === undefined ? ctx.run.inputs : ctx.run.inputs[name];
  ctx.started(node);
  return ctx.completed(node, value === undefined ? (params.default ?? null) : value);
}

/**
 * `output` and `template` computed in the workflow, when every value they name is in history
 * (else undefined: their activity resolves secrets and stored values).
 */
export function outputOrTemplateNow(
  ctx: NodeContext,
  node: NodeDef,
  params: Record<string, unknown>,
): NodeActivityResult | undefined {
  const inline = ctx.resolveInline(params);
  if (!inline.ok) return undefined;
  ctx.started(node);
  const output =
    node.type === 'template'
      ? String((inline.value as { template?: unknown }).template ?? '')
      : ((inline.value as { value?: unknown }).value ?? null);
  return ctx.completed(node, output);
}

export const runInputNode: NodeKindExecutor = (ctx, node, params) => Promise.resolve(inputNow(ctx, node, params));

export const runOutputOrTemplateNode: NodeKindExecutor = (ctx, node, params) => {
  const now = outputOrTemplateNow(ctx, node, params);
  return now ? Promise.resolve(now) : runActivityNode(ctx, node, params);
};
