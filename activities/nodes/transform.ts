import type { NodeParams } from '../../flow/index.js';
import type { NodeContext } from '../node-context.js';
import { evaluateJsonata } from './jsonata.js';

/** Evaluates JSONata against `{inputs, <ancestor ids>}`. */
export async function transform(params: NodeParams<'transform'>, ctx: NodeContext): Promise<unknown> {
  return evaluateJsonata(params.expression, ctx.scope, ctx.signal);
}
