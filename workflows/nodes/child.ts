import { ApplicationFailure, CancellationScope, isCancellation } from '@temporalio/workflow';
import type { NodeDef } from '../../flow/core.js';
import { WORKFLOW_ERRORS } from '../definitions.js';
import { changed } from '../engine.js';

/**
 * For a node's child workflow (a loop's, a subflow's run): a cancellation that did not come from
 * this run (someone cancelled the child in the Temporal UI, the CLI or the API) fails the node, so
 * its dependants do not just skip in a run that would then complete without them. Histories
 * recorded before counted it as the node cancelled.
 */
export function childCancelledOutside(node: NodeDef, what: string): (err: unknown) => never {
  return (err) => {
    if (isCancellation(err) && !CancellationScope.current().consideredCancelled && changed('child-cancelled-outside'))
      throw ApplicationFailure.nonRetryable(
        `${node.id}: its ${what} was cancelled while the run went on`,
        WORKFLOW_ERRORS.ChildCancelled,
      );
    throw err;
  };
}
