import {
  ApplicationFailure,
  CancellationScope,
  CancelledFailure,
  executeChild,
  proxyActivities,
  workflowInfo,
} from '@temporalio/workflow';
import { changed } from './engine.js';
import type { RunLoopInput } from '../flow/core.js';
import type { Activities } from '../activities/index.js';
import { WORKFLOW_ERRORS } from './definitions.js';
import { GraphRun } from './interpreter.js';
import { Outbox } from './outbox.js';
import { childOutcome } from './nodes/child.js';

/** History events one execution may spend on loop items; well under Temporal's 10,240 warning. */
export const LOOP_EVENT_BUDGET = 6000;
/** Most child chunks one loop execution starts (each costs about three events). */
export const LOOP_FANOUT = 50;

const { loadItems } = proxyActivities<Activities>({ startToCloseTimeout: '1m', retry: { maximumAttempts: 5 } });

/**
 * Runs the items [offset, offset + count) of a loop. A range small enough for the event budget
 * runs its items here, each as its own GraphRun (its own state, at most `concurrency` at a time);
 * a larger range is split into child runLoops, so no history grows with the number of items.
 * Returns each item's outputs, in item order.
 */
export async function runLoop(input: RunLoopInput): Promise<Record<string, unknown>[]> {
  const perItem = input.body.nodes.length * 3 + 3;
  const leaf = Math.max(1, Math.floor(LOOP_EVENT_BUDGET / perItem));
  if (input.count <= leaf) return runItems(input);

  const chunk = Math.max(leaf, Math.ceil(input.count / LOOP_FANOUT));
  const ranges: { offset: number; count: number }[] = [];
  for (let start = 0; start < input.count; start += chunk)
    ranges.push({ offset: input.offset + start, count: Math.min(chunk, input.count - start) });
  const parallel = Math.min(ranges.length, input.concurrency);
  const share = Math.max(1, Math.floor(input.concurrency / parallel));
  // The remainder goes to the first lanes, so the children running at once add up to `concurrency`
  // (50 over 20 children was 2 each: 40). Histories recorded before split it evenly, rounding down.
  const extra = changed('loop-concurrency-remainder') ? input.concurrency - share * parallel : 0;
  const itemsOf = (range: { offset: number; count: number }) =>
    `items ${range.offset}–${range.offset + range.count - 1}`;
  const results = await pool(ranges, parallel, changed('loop-cancelled'), (range, lane) =>
    // A chunk cancelled on its own (the Temporal UI) fails this loop as ChildCancelled, which the
    // loop node reports: a cancellation nested in a child's failure is not one to the parent.
    childOutcome(
      { id: input.nodeId },
      `loop workflow for ${itemsOf(range)}`,
      executeChild(runLoop, {
        workflowId: `${workflowInfo().workflowId}.${range.offset}`,
        args: [
          {
            ...input,
            ...range,
            concurrency: share + (lane < extra ? 1 : 0),
            items:
              'items' in input.items
                ? {
                    items: input.items.items.slice(
                      range.offset - input.offset,
                      range.offset - input.offset + range.count,
                    ),
                  }
                : input.items,
          },
        ],
        staticSummary: `${input.nodeId} · ${itemsOf(range)}`,
        priority: { priorityKey: input.priority, fairnessKey: input.fairnessKey },
      }),
    ),
  );
  return results.flat();
}

async function runItems(input: RunLoopInput): Promise<Record<string, unknown>[]> {
  const items =
    'items' in input.items
      ? input.items.items.slice(0, input.count)
      : await loadItems({ ref: input.items.ref, offset: input.offset, count: input.count });
  const quiet = new Outbox(input.runId, false);
  const lean = changed('lean-activations');
  const settle = changed('loop-cancelled');
  const outputs = await pool(
    items.map((item, i) => ({ item, index: input.offset + i })),
    input.concurrency,
    settle,
    async ({ item, index }) => {
      const run = new GraphRun({
        runId: input.runId,
        graph: input.body,
        inputs: { item, index },
        library: input.library,
        priority: input.priority,
        fairnessKey: input.fairnessKey,
        outbox: quiet,
        loopItem: index,
        lean,
      });
      const result = await run.run();
      // A loop being cancelled ends cancelled, and so does its node, also when an item failed on
      // the way (histories recorded before failed it).
      if (result.status !== 'completed' && settle && CancellationScope.current().consideredCancelled)
        throw new CancelledFailure(`item ${index}: cancelled`);
      if (result.status !== 'completed') {
        throw ApplicationFailure.nonRetryable(
          `item ${index}: ${result.error ? `node "${result.error.nodeId}" failed: ${result.error.message}` : result.status}`,
          WORKFLOW_ERRORS.LoopItemFailed,
          { index, error: result.error },
        );
      }
      return result.outputs;
    },
  );
  const progress = new Outbox(input.runId, true);
  progress.emit('node.progress', `node.progress:${input.nodeId}:${input.offset}`, {
    nodeId: input.nodeId,
    data: { itemsDone: input.count, offset: input.offset },
  });
  await progress.close(undefined, []);
  return outputs;
}

/**
 * Maps with at most `limit` calls in flight (`lane`: which of them runs the call); results keep
 * input order. The first failure fails the pool at once. With `settle`, no call starts after one
 * failed, and a cancelled pool waits for the calls in flight to settle before it reports: a loop
 * cancelled while its children run ends once they all ended cancelled (else the first one to end
 * closed the loop's workflow and the parent-close policy terminated the rest).
 */
async function pool<T, R>(
  items: T[],
  limit: number,
  settle: boolean,
  fn: (item: T, lane: number) => Promise<R>,
): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  let stopped = false;
  const worker = async (lane: number) => {
    while (next < items.length && !stopped) {
      const i = next++;
      try {
        results[i] = await fn(items[i], lane);
      } catch (err) {
        stopped = settle;
        throw err;
      }
    }
  };
  const lanes = Array.from({ length: Math.min(limit, items.length) }, (_, lane) => worker(lane));
  try {
    await Promise.all(lanes);
  } catch (err) {
    // Whether this pool was cancelled, not what the first call to end says: a call may fail on its
    // own while the cancellation reaches the others.
    if (settle && CancellationScope.current().consideredCancelled) await Promise.allSettled(lanes);
    throw err;
  }
  return results;
}
