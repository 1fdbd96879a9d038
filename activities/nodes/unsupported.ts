import { ApplicationFailure } from '@temporalio/activity';
import type { NodeParams } from '../../flow/index.js';

/** A component the importer could not map: fails at once, naming it. */
export async function unsupported(params: NodeParams<'unsupported'>): Promise<never> {
  throw ApplicationFailure.nonRetryable(
    `unsupported component ${params.langflowId ?? ''} (${params.component}): ${params.reason}`,
    'UnsupportedComponent',
  );
}
