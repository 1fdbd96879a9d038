import { ActivityFailure, ApplicationFailure, TemporalFailure, TimeoutFailure } from '@temporalio/workflow';
import { TimeoutType } from '@temporalio/common';
import type { NodeError, NodeHeartbeat } from '../flow/core.js';

/** What a node's failure tells the run: its message and type, and how many attempts it made. */
export interface DecodedFailure {
  error: NodeError;
  attempts: number;
}

/**
 * The message, type and attempt count of a node failure (activity, child workflow or workflow-side).
 * The innermost failure of the chain says what went wrong (an ActivityFailure or ChildWorkflowFailure
 * only says where); an ApplicationFailure whose cause is not a Temporal failure ends the chain.
 * The node activities' middleware puts the attempt that failed in `details[0].attempt`.
 */
export function decodeFailure(err: unknown, fallbackAttempts: number): DecodedFailure {
  const failure = innermost(err);
  if (failure instanceof TimeoutFailure) {
    return {
      error: { message: `timed out (${failure.message || 'node failed'})`, type: 'Timeout' },
      attempts: fallbackAttempts,
    };
  }
  if (failure instanceof ApplicationFailure) {
    const details = (failure.details?.[0] ?? {}) as { attempt?: number };
    return {
      error: { message: failure.message || 'node failed', type: failure.type ?? failure.name },
      attempts: details.attempt ?? fallbackAttempts,
    };
  }
  if (failure instanceof Error)
    return { error: { message: failure.message || 'node failed', type: failure.name }, attempts: fallbackAttempts };
  return { error: { message: 'node failed', type: undefined }, attempts: fallbackAttempts };
}

function innermost(err: unknown): unknown {
  let failure = err;
  while (failure instanceof Error && failure.cause) {
    if (failure instanceof ApplicationFailure && !(failure.cause instanceof TemporalFailure)) break;
    failure = failure.cause;
  }
  return failure;
}

/**
 * The node attempt an activity failure lost with its worker (a heartbeat timeout), from the last
 * heartbeat, which names it; undefined for any other failure.
 */
export function workerLostAttempt(err: unknown, attemptBase: number): number | undefined {
  if (!(err instanceof ActivityFailure)) return undefined;
  const cause = err.cause;
  if (!(cause instanceof TimeoutFailure) || cause.timeoutType !== TimeoutType.HEARTBEAT) return undefined;
  const beat = cause.lastHeartbeatDetails as NodeHeartbeat | undefined;
  // No heartbeat yet: the first attempt of this schedule was lost before it could send one.
  return typeof beat?.attempt === 'number' && beat.attempt > attemptBase ? beat.attempt : attemptBase + 1;
}
