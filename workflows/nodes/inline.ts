import type { NodeKindExecutor } from '../node-context.js';
import { runActivityNode } from './activity.js';

/** `input`: the run's input of that name (or all inputs), else the node's default. Runs in the workflow. */
export const runInputNode: NodeKindExecutor = (ctx, node, params) => {
  const name = typeof params.name === 'string' ? params.name : undefined;
  const value = name === undefined ? ctx.run.inputs : ctx.run.inputs[name];
  ctx.started(node);
  return Promise.resolve(ctx.completed(node, value === undefined ? (params.default ?? null) : value));
};

/**
 * `output` and `template`: computed in the workflow when every value they name is in history,
 * else by their activity (which resolves secrets and stored values).
 */
export const runOutputOrTemplateNode: NodeKindExecutor = (ctx, node, params) => {
  const inline = ctx.resolveInline(params);
  if (!inline.ok) return runActivityNode(ctx, node, params);
  ctx.started(node);
  const output =
    node.type === 'template'
      ? String((inline.value as { template?: unknown }).template ?? '')
      : ((inline.value as { value?: unknown }).value ?? null);
  return Promise.resolve(ctx.completed(node, output));
};
