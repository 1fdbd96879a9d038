import type { NodeParams } from '../../flow/index.js';

/** The template with its placeholders already resolved by the activity wrapper. */
export async function template(params: NodeParams<'template'>): Promise<unknown> {
  return params.template;
}
