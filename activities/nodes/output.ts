import type { NodeParams } from '../../flow/index.js';

/** The resolved `value` (used when it needs a stored blob or a secret-free activity to resolve). */
export async function output(params: NodeParams<'output'>): Promise<unknown> {
  return params.value ?? null;
}
