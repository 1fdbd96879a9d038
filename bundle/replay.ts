import { Worker } from '@temporalio/worker';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils.js';
import type { temporal } from '@temporalio/proto';
import { bundleWorkflows } from './bundle.js';

export interface ReplayResult {
  deterministic: boolean;
  /** What diverged, naming the history event (present when not deterministic). */
  error?: string;
}

type History = temporal.api.history.v1.IHistory;

/**
 * The sinks a worker needs for Tempoflow's workflows when it writes no events (a replay, a test
 * worker that reads what publishEvents gets): the early event writes (workflows/outbox.ts) go nowhere.
 */
export const SILENT_EVENT_SINKS = { events: { drafted: { fn: () => undefined } } };

/**
 * Replays recorded histories against the workflow code on disk now (bundled once per replayer),
 * the way a new worker deployment would replay open runs.
 */
export function createReplayer(bundle?: () => Promise<{ code: string }>) {
  let cached: Promise<{ code: string }> | undefined;
  const getBundle = () => (cached ??= (bundle ?? bundleWorkflows)());
  return async function replay(
    history: History | string | Record<string, unknown>,
    workflowId = 'replay',
  ): Promise<ReplayResult> {
    const parsed =
      typeof history === 'string'
        ? historyFromJSON(JSON.parse(history))
        : isProto(history)
          ? history
          : historyFromJSON(history);
    try {
      await Worker.runReplayHistory(
        {
          workflowBundle: await getBundle(),
          replayName: `replay-${workflowId}`,
          sinks: SILENT_EVENT_SINKS,
        },
        parsed,
        workflowId,
      );
      return { deterministic: true };
    } catch (err) {
      const e = err as Error;
      return { deterministic: false, error: `${e.name}: ${e.message}` };
    }
  };
}

function isProto(history: unknown): history is History {
  const first = (history as History).events?.[0] as { eventType?: unknown } | undefined;
  return typeof first?.eventType === 'number';
}
