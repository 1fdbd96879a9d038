import { createHash, randomUUID } from 'node:crypto';
import { WorkflowExecutionAlreadyStartedError, type Client } from '@temporalio/client';
import {
  APPROVE_UPDATE,
  RERUN_FROM_NODE_KEY,
  RERUN_OF_KEY,
  WORKFLOW_TYPE,
  applyTweaks,
  flowSearchAttributes,
  planRerun,
  secretTweakProblems,
  validateFlow,
  workflowIdOf,
  type RunFlowInput,
  type RunOrigin,
} from '../flow/index.js';
import { checkJsonata } from '../flow/expression-check.js';
import type { Sql } from '../infra/index.js';
import { deleteRunData, insertRunRow, isNotFound, readRunRow, runIsKnown } from '../runs/index.js';
import { getFlow, invalidFlow, pin, resolveLibrary } from './flow-store.js';
import { HttpError, notFound } from './http-error.js';
import { refuseUnsupported, runDetails, runSummary } from './run-describe.js';
import type { RunViewService } from './run-view.js';
import type { RunRequest } from './schemas.js';

export interface RunCommandsDeps {
  sql: Sql;
  client: Client;
  taskQueue: string;
  view: RunViewService;
}

/** The write side of a run, through Temporal: start, re-run, cancel, approve. */
export function createRunCommands(deps: RunCommandsDeps) {
  const { sql, client, view } = deps;

  async function start(flowRef: string, request: RunRequest, origin: RunOrigin) {
    const flow = await getFlow(sql, flowRef, request.version);
    if (!flow) throw notFound(request.version ? `flow "${flowRef}" version ${request.version}` : `flow "${flowRef}"`);
    refuseUnsupported(flow.definition);
    const tweaked = applyTweaks(flow.definition, request.tweaks);
    if (tweaked.problems.length) throw invalidFlow(tweaked.problems);
    const secretProblems = secretTweakProblems(flow.definition, request.tweaks);
    if (secretProblems.length) throw invalidFlow(secretProblems);
    if (request.tweaks) {
      const checked = validateFlow(tweaked.definition, { checkExpression: checkJsonata });
      if (!checked.ok)
        throw invalidFlow(checked.problems.map((p) => ({ ...p, path: p.path.replace(/^\$/, '$.tweaks→definition') })));
    }
    const library = await resolveLibrary(sql, tweaked.definition);
    const runId = request.idempotencyKey
      ? createHash('sha256').update(`${flow.id}\u0000${request.idempotencyKey}`).digest('hex').slice(0, 32)
      : newRunId();
    if (request.idempotencyKey) await forgetExpired(runId);
    return startPinned({
      runId,
      flow: { ...pin(flow), definition: tweaked.definition },
      inputs: request.inputs ?? {},
      library,
      priority: request.priority,
      fairnessKey: request.fairnessKey,
      origin,
    });
  }

  /**
   * An idempotency key names one run id forever, but Temporal forgets closed runs after its
   * retention: a key reused after that must start a clean run, so what Postgres still holds of the
   * forgotten one (events, blobs, the run row) goes first. Under a per-run advisory lock, so two
   * requests with the same key agree on what is forgotten.
   */
  async function forgetExpired(runId: string): Promise<void> {
    if (!(await runIsKnown(sql, runId))) return;
    await sql.begin(async (tx) => {
      await tx`SELECT pg_advisory_xact_lock(hashtext(${`tempoflow-run:${runId}`}))`;
      const exists = await client.workflow
        .getHandle(workflowIdOf(runId))
        .describe()
        .then(
          () => true,
          (err: unknown) => {
            if (isNotFound(err)) return false;
            throw err;
          },
        );
      if (!exists) await deleteRunData(tx, runId);
    });
  }

  /**
   * Starts the workflow for a fully pinned input. The workflow id derives from the run id (and the
   * run id from an idempotency key), so a repeated start returns the same run: USE_EXISTING while it
   * runs, REJECT_DUPLICATE once it closed. Costs the Temporal start plus one small insert.
   */
  async function startPinned(input: RunFlowInput) {
    const { runId, flow } = input;
    const workflowId = workflowIdOf(runId);
    try {
      await client.workflow.start(WORKFLOW_TYPE, {
        taskQueue: deps.taskQueue,
        workflowId,
        args: [input],
        workflowIdConflictPolicy: 'USE_EXISTING',
        workflowIdReusePolicy: 'REJECT_DUPLICATE',
        typedSearchAttributes: [
          ...flowSearchAttributes(flow),
          ...(input.rerunOf
            ? [
                { key: RERUN_OF_KEY, value: input.rerunOf },
                { key: RERUN_FROM_NODE_KEY, value: input.fromNode ?? '' },
              ]
            : []),
        ],
        memo: { origin: input.origin, ...(input.rerunOf ? { rerunOf: input.rerunOf, fromNode: input.fromNode } : {}) },
        staticSummary: runSummary(input),
        staticDetails: runDetails(input),
        priority: { priorityKey: input.priority ?? 3, fairnessKey: input.fairnessKey },
      });
    } catch (err) {
      if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
    }
    await insertRunRow(sql, {
      runId,
      workflowId,
      flowId: flow.flowId,
      flowName: flow.name,
      flowVersion: flow.version,
      origin: input.origin,
    });
    return {
      runId,
      workflowId,
      flowId: flow.flowId,
      flowName: flow.name,
      flowVersion: flow.version,
      status: 'running' as const,
      links: view.links(runId),
    };
  }

  /**
   * Starts a new run of the same pinned flow version that reuses the outputs of every completed
   * node that is neither `fromNode` nor downstream of it; the rest runs again (see planRerun).
   */
  async function rerun(runId: string, request: { fromNode: string; inputs?: Record<string, unknown> }) {
    const previous = await view.get(runId);
    const input = await view.originalInput(runId);
    if (previous.status === 'running' || previous.status === 'waiting') {
      throw new HttpError(
        409,
        'conflict',
        `run "${runId}" is still ${previous.status}; re-run it once it completed, failed or was cancelled`,
      );
    }
    // The stored final state keeps large outputs as blob references; the view has them inlined.
    const nodes = (await readRunRow(sql, runId))?.state?.nodes ?? previous.nodes;
    const label = `${input.flow.name} v${input.flow.version}`;
    const plan = planRerun(input.flow.definition, nodes, request.fromNode, label);
    if (!plan.ok)
      throw new HttpError(400, 'invalid_request', `$.fromNode: ${plan.message}`, [
        { path: '$.fromNode', message: plan.message },
      ]);
    return startPinned({
      ...input,
      runId: newRunId(),
      inputs: request.inputs ?? input.inputs,
      origin: 'rerun',
      reuse: plan.reuse,
      rerunOf: runId,
      fromNode: request.fromNode,
    });
  }

  async function cancel(runId: string): Promise<void> {
    const current = await view.get(runId);
    if (current.status !== 'running' && current.status !== 'waiting')
      throw new HttpError(409, 'conflict', `run "${runId}" is ${current.status}, not running`);
    await client.workflow.getHandle(workflowIdOf(runId)).cancel();
  }

  async function approve(
    runId: string,
    nodeId: string,
    decision: { approved: boolean; comment?: string; by?: string },
  ) {
    await view.get(runId);
    try {
      return await client.workflow
        .getHandle(workflowIdOf(runId))
        .executeUpdate(APPROVE_UPDATE, { args: [{ nodeId, ...decision }] });
    } catch (err) {
      const message = (err as { cause?: { message?: string } }).cause?.message ?? (err as Error).message;
      throw new HttpError(
        409,
        'conflict',
        /not waiting/.test(message) ? message : `node "${nodeId}" is not waiting for an approval (${message})`,
      );
    }
  }

  return { start, rerun, cancel, approve };
}

const newRunId = () => randomUUID().replace(/-/g, '');
