import type { NodeParams } from '../../flow/index.js';
import type { NodeContext } from '../node-context.js';
import { evaluateJsonata } from './jsonata.js';

/** `{value}`: the truthiness of a JSONata expression; the workflow takes the matching branch. */
export async function condition(params: NodeParams<'condition'>, ctx: NodeContext): Promise<unknown> {
  const result = await evaluateJsonata(params.expression, ctx.scope, ctx.signal);
  return { value: Array.isArray(result) ? result.length > 0 : Boolean(result) };
}
