import { ActivityCancellationType, type ActivityOptions, type LocalActivityOptions } from '@temporalio/workflow';
import type { NodeDef } from '../flow/core.js';

/** A node's `startToCloseTimeout` when it names none. */
const DEFAULT_TIMEOUT = '10m';
/** A node's retry policy when it names none; also the policy of the workflow's helper activities. */
export const DEFAULT_RETRY = {
  maximumAttempts: 3,
  initialInterval: '1s',
  backoffCoefficient: 2,
  maximumInterval: '1m',
};
/** Every node activity heartbeats (the shared activity middleware); this long without one means its worker is gone. */
const NODE_HEARTBEAT_TIMEOUT = '10s';
/** The server hands a heartbeat timeout to the workflow instead of retrying it (see runActivityNode). */
const HEARTBEAT_TIMEOUT_TYPE = 'TemporalTimeout:Heartbeat';

/** Where a node runs: its loop item (undefined for a whole run) and the run's fairness key. */
interface NodePlacement {
  loopItem?: number;
  fairnessKey?: string;
}

/** A node's activity id: the node id, prefixed with the loop item's index inside a loop body. */
function nodeActivityId(node: NodeDef, loopItem: number | undefined): string {
  return loopItem === undefined ? node.id : `${loopItem}.${node.id}`;
}

/** A pure node's local-activity options: the node's timeout and retry policy (see nodes/local.ts). */
export function nodeLocalActivityOptions(node: NodeDef): LocalActivityOptions {
  const retry = { ...DEFAULT_RETRY, ...node.retry };
  return {
    summary: `${node.id} · ${node.type}`,
    startToCloseTimeout: node.timeout ?? DEFAULT_TIMEOUT,
    retry: { ...retry, maximumAttempts: retry.maximumAttempts === 0 ? undefined : retry.maximumAttempts },
  };
}

/**
 * The options of one schedule of a node activity. `maximumAttempts` is what remains of the node's
 * attempts (0: unlimited); a heartbeat timeout is never retried by the server (see runActivityNode).
 */
export function nodeActivityOptions(node: NodeDef, maximumAttempts: number, at: NodePlacement): ActivityOptions {
  const retry = { ...DEFAULT_RETRY, ...node.retry };
  return {
    activityId: nodeActivityId(node, at.loopItem),
    summary: `${node.id} · ${node.type}`,
    startToCloseTimeout: node.timeout ?? DEFAULT_TIMEOUT,
    heartbeatTimeout: NODE_HEARTBEAT_TIMEOUT,
    retry: {
      ...retry,
      maximumAttempts: maximumAttempts === 0 ? undefined : maximumAttempts,
      nonRetryableErrorTypes: [...(retry.nonRetryableErrorTypes ?? []), HEARTBEAT_TIMEOUT_TYPE],
    },
    // Without a node priority, the activity inherits the run's priority and fairness key.
    ...(node.priority !== undefined ? { priority: { priorityKey: node.priority, fairnessKey: at.fairnessKey } } : {}),
    // Wait for the activity to acknowledge, so no node event can land after the run's terminal event.
    cancellationType: ActivityCancellationType.WAIT_CANCELLATION_COMPLETED,
  };
}

/** Options of a helper activity the workflow runs for a node (resolving params, reading loop items). */
export function helperActivityOptions(node: NodeDef, what: string, startToCloseTimeout: string): ActivityOptions {
  return { startToCloseTimeout, retry: DEFAULT_RETRY, summary: `${node.id} · ${what}` };
}
