import { ApplicationFailure, CancellationScope, isCancellation } from '@temporalio/workflow';
import type { NodeDef } from '../../flow/core.js';
import { WORKFLOW_ERRORS } from '../definitions.js';
import { changed } from '../engine.js';

/**
 * A node's child workflow (a loop's, a sub-flow's run, an agent's), as the node awaits it: a
 * cancellation that did not come from this run (someone cancelled the child in the Temporal UI,
 * the CLI or the API) fails the node, so its dependants do not just skip in a run that would then
 * complete without them. Histories recorded before awaited the child itself (the node counted as
 * cancelled), and keep doing so: the extra link would resume the node one microtask later, which
 * can reorder the commands of nodes that end in the same activation.
 */
export function childOutcome<T>(node: Pick<NodeDef, 'id'>, what: string, child: Promise<T>): Promise<T> {
  if (!changed('child-cancelled-outside')) return child;
  return child.catch((err: unknown) => {
    if (isCancellation(err) && !CancellationScope.current().consideredCancelled)
      throw ApplicationFailure.nonRetryable(
        `${node.id}: its ${what} was cancelled while the run went on`,
        WORKFLOW_ERRORS.ChildCancelled,
      );
    throw err;
  });
}
