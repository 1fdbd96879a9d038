import {
  ApplicationFailure,
  CancelledFailure,
  setCurrentDetails,
  setHandler,
  workflowInfo,
} from '@temporalio/workflow';
import { runIdOf, type EventDraft, type RunFlowInput, type RunState, type RunStatus } from '../flow/core.js';
import { approveUpdate, stateQuery, WORKFLOW_ERRORS, type ApprovalDecision } from './definitions.js';
import { changed } from './engine.js';
import { GraphRun } from './interpreter.js';
import { Outbox } from './outbox.js';

/**
 * Runs one pinned flow version as a graph of nodes.
 *
 * Durability contract: the query and update handlers are registered before the first await, so a
 * query or an approval that arrives with the first workflow task is served. Every node's state
 * lives in its own slot of the GraphRun; events go to Postgres through the batched Outbox, and
 * the final batch also stores the final state, so a closed run answers with no worker running.
 * A failed run fails the workflow (`NodeFailed`); a cancelled one ends as cancelled. Event writing
 * is bounded (see Outbox): if the terminal event cannot be stored, the workflow fails with
 * `EventLogUnavailable`, naming the outcome and why the log could not be written.
 */
export async function runFlow(start: RunFlowInput): Promise<RunState> {
  // A schedule starts every run with the same input; its run id is the workflow id Temporal made
  // unique (run-<scheduleId>-<time>). workflowInfo() is recorded, so this replays identically.
  const input = start.runId ? start : { ...start, runId: runIdOf(workflowInfo().workflowId) };
  const decisions = new Map<string, ApprovalDecision>();
  let status: RunStatus = 'running';
  const ride = changed('events-ride-activities');
  const fewer = ride && changed('outbox-fewer-writes');
  const lean = fewer && changed('lean-activations');
  // Whether the graph has nothing left running; `run` does not exist yet when the outbox is made.
  let idle = () => false;
  const outbox: Outbox = new Outbox(input.runId, !input.quiet, {
    onFlush: () => setCurrentDetails(details(run, status)),
    ride,
    fewer,
    lean,
    ending: () => idle(),
  });
  const run: GraphRun = new GraphRun({
    runId: input.runId,
    graph: input.flow.definition,
    inputs: input.inputs ?? {},
    library: input.library ?? {},
    priority: input.priority,
    fairnessKey: input.fairnessKey,
    outbox,
    reuse: input.reuse,
    decisions,
    lean,
  });
  idle = () => run.idle;
  const state = (): RunState => {
    const { nodes, outputs } = run.snapshot();
    const live = status === 'running' && run.anyWaiting() && !run.anyRunning() ? 'waiting' : status;
    return {
      runId: input.runId,
      flowId: input.flow.flowId,
      flowName: input.flow.name,
      flowVersion: input.flow.version,
      status: live,
      nodes,
      outputs,
    };
  };

  setHandler(stateQuery, state);
  setHandler(
    approveUpdate,
    (request) => {
      const decision: ApprovalDecision = {
        approved: request.approved,
        comment: request.comment ?? null,
        by: request.by ?? null,
      };
      decisions.set(request.nodeId, decision);
      return decision;
    },
    {
      validator: (request) => {
        if (!run.isWaiting(request.nodeId) || decisions.has(request.nodeId)) {
          throw new Error(`node "${request.nodeId}" is not waiting for an approval`);
        }
      },
    },
  );

  outbox.emit('run.started', 'run.started', {
    data: {
      flowId: input.flow.flowId,
      flowName: input.flow.name,
      flowVersion: input.flow.version,
      origin: input.origin,
      workflowId: workflowInfo().workflowId,
    },
  });
  const result = await run.run();
  status = result.status;
  const final: RunState = { ...state(), status: result.status, ...(result.error ? { error: result.error } : {}) };
  const earlierLoss = outbox.loss;
  const terminal: EventDraft = {
    type: result.status === 'completed' ? 'run.completed' : result.status === 'failed' ? 'run.failed' : 'run.cancelled',
    key: 'run.end',
    ts: new Date().toISOString(),
    data: {
      ...(result.status === 'completed'
        ? { outputs: Object.keys(final.outputs) }
        : result.error
          ? { error: result.error }
          : {}),
      ...(earlierLoss ? { eventsLost: earlierLoss } : {}),
    },
  };
  const loss = await outbox.close(input.quiet ? undefined : final, [terminal]);
  if (loss && loss !== earlierLoss) {
    // The terminal event could not be stored: the workflow's own end is the record of the run.
    throw ApplicationFailure.create({
      message: `the run ended ${result.status}, but its event log could not be written (${loss.events} events lost): ${loss.reason}`,
      type: WORKFLOW_ERRORS.EventLogUnavailable,
      nonRetryable: true,
      details: [{ status: result.status, ...(result.error ? { error: result.error } : {}) }],
    });
  }
  if (result.status === 'failed') {
    const e = result.error!;
    throw ApplicationFailure.create({
      message: `node "${e.nodeId}" failed: ${e.message}`,
      type: WORKFLOW_ERRORS.NodeFailed,
      nonRetryable: true,
      details: [{ nodeId: e.nodeId, errorType: e.type }],
    });
  }
  if (result.status === 'cancelled') throw new CancelledFailure('run cancelled');
  return final;
}

function details(run: GraphRun, status: RunStatus): string {
  const rows = [...run.states].map(
    ([id, s]) => `| ${id} | ${run.graph.nodes.get(id)!.type} | ${s.status} | ${s.attempts} |`,
  );
  return [`**Run ${status}**`, '', '| node | type | status | attempts |', '|---|---|---|---|', ...rows].join('\n');
}
