import { ApplicationFailure, CancelledFailure } from '@temporalio/activity';
import { maskSecrets, safeMessage } from './secrets.js';

/**
 * The failure a node attempt reports: an `ApplicationFailure` keeps its type, retryability and
 * retry delay; any other error is retryable with its `name` as type (`Error` for network errors).
 * The message and details are masked, and the details carry the node attempt.
 */
export function toFailure(err: unknown, attempt: number, secrets: Iterable<string>): ApplicationFailure {
  const list = [...secrets];
  if (err instanceof ApplicationFailure) {
    return ApplicationFailure.create({
      message: safeMessage(err.message, list),
      type: err.type ?? 'Error',
      nonRetryable: err.nonRetryable ?? false,
      details: [maskSecrets({ attempt, ...((err.details?.[0] as object) ?? {}) }, list)],
      nextRetryDelay: err.nextRetryDelay,
    });
  }
  const e = err as Error;
  return ApplicationFailure.create({
    message: safeMessage(e?.message ?? String(err), list),
    type: e?.name ?? 'Error',
    nonRetryable: false,
    details: [{ attempt }],
  });
}

/**
 * An error about to leave a call that used `secrets`, as it may leave: masked (toFailure) unless it
 * is a cancellation or there is nothing to mask.
 */
export function maskedError(err: unknown, attempt: number, secrets: readonly string[]): unknown {
  return err instanceof CancelledFailure || secrets.length === 0 ? err : toFailure(err, attempt, secrets);
}
