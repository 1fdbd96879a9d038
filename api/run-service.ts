import { createHash, randomUUID } from 'node:crypto';
import { WorkflowExecutionAlreadyStartedError, WorkflowNotFoundError, type Client } from '@temporalio/client';
import {
  APPROVE_UPDATE,
  NODE_STATUS_BY_EVENT,
  STATE_QUERY,
  WORKFLOW_TYPE,
  applyTweaks,
  buildGraph,
  descendants,
  validateFlow,
  secretTweakProblems,
  type NodeState,
  type RunFlowInput,
  type RunOrigin,
  type RunState,
} from '../flow/index.js';
import { checkJsonata } from '../activities/expression-check.js';
import {
  derefDeep,
  fromStorable,
  readEvents,
  type Sql,
  FLOW_ID_KEY,
  FLOW_NAME_KEY,
  FLOW_VERSION_KEY,
  RERUN_FROM_NODE_KEY,
  RERUN_OF_KEY,
  runStatusOf,
} from '../lib/index.js';
import { historyToJSON } from '@temporalio/common/lib/proto-utils.js';
import { executionInfoFromRaw } from '@temporalio/client/lib/helpers.js';
import { getFlow, invalidFlow, pin, resolveLibrary } from './flow-store.js';
import { HttpError, notFound } from './http-error.js';
import type { RunRequest } from './schemas.js';

export interface RunServiceDeps {
  sql: Sql;
  client: Client;
  taskQueue: string;
  namespace: string;
  temporalUiUrl: string;
}

export type RunView = RunState & { workflowId: string; links: RunLinks; origin?: string };
export interface RunLinks {
  self: string;
  events: string;
  temporalUi: string;
}

export const workflowIdOf = (runId: string) => `run-${runId}`;

export function createRunService(deps: RunServiceDeps) {
  const { sql, client } = deps;

  const links = (runId: string): RunLinks => ({
    self: `/api/v1/runs/${runId}`,
    events: `/api/v1/runs/${runId}/events`,
    temporalUi: `${deps.temporalUiUrl.replace(/\/$/, '')}/namespaces/${encodeURIComponent(deps.namespace)}/workflows/${encodeURIComponent(workflowIdOf(runId))}`,
  });

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
      : randomUUID().replace(/-/g, '');
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
    const [known] = await sql`
      SELECT 1 FROM runs WHERE run_id = ${runId} UNION ALL SELECT 1 FROM run_event_heads WHERE run_id = ${runId} LIMIT 1`;
    if (!known) return;
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
      if (exists) return;
      const children = `${runId}.%`;
      await tx`DELETE FROM run_events WHERE run_id = ${runId} OR run_id LIKE ${children}`;
      await tx`DELETE FROM run_event_heads WHERE run_id = ${runId} OR run_id LIKE ${children}`;
      await tx`DELETE FROM blobs WHERE run_id = ${runId} OR run_id LIKE ${children}`;
      await tx`DELETE FROM runs WHERE run_id = ${runId}`;
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
          { key: FLOW_ID_KEY, value: flow.flowId },
          { key: FLOW_NAME_KEY, value: flow.name },
          { key: FLOW_VERSION_KEY, value: flow.version },
          ...(input.rerunOf
            ? [
                { key: RERUN_OF_KEY, value: input.rerunOf },
                { key: RERUN_FROM_NODE_KEY, value: input.fromNode ?? '' },
              ]
            : []),
        ],
        memo: { origin: input.origin, ...(input.rerunOf ? { rerunOf: input.rerunOf, fromNode: input.fromNode } : {}) },
        staticSummary: `${flow.name} v${flow.version} · ${summarizeInputs(input.inputs)}`,
        staticDetails: describeFlow(input),
        priority: { priorityKey: input.priority ?? 3, fairnessKey: input.fairnessKey },
      });
    } catch (err) {
      if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
    }
    await sql`
      INSERT INTO runs (run_id, workflow_id, flow_id, flow_name, flow_version, status, origin)
      VALUES (${runId}, ${workflowId}, ${flow.flowId}, ${flow.name}, ${flow.version}, 'running', ${input.origin})
      ON CONFLICT (run_id) DO NOTHING`;
    return {
      runId,
      workflowId,
      flowId: flow.flowId,
      flowName: flow.name,
      flowVersion: flow.version,
      status: 'running' as const,
      links: links(runId),
    };
  }

  async function fetchHistory(runId: string) {
    try {
      return await client.workflow.getHandle(workflowIdOf(runId)).fetchHistory();
    } catch (err) {
      if (isNotFound(err)) throw notFound(`run "${runId}"`);
      throw err;
    }
  }

  /** The input a run was started with, read back from its history (a re-run pins the same version). */
  async function originalInput(runId: string): Promise<RunFlowInput> {
    const events = (await fetchHistory(runId)).events ?? [];
    const payload = events[0]?.workflowExecutionStartedEventAttributes?.input?.payloads?.[0];
    if (!payload) throw new HttpError(409, 'conflict', `run "${runId}" has no recorded input`);
    return client.options.loadedDataConverter.payloadConverter.fromPayload<RunFlowInput>(payload);
  }

  /** The run's history in the JSON format `temporal workflow show --output json` writes. */
  async function history(runId: string): Promise<string> {
    return historyToJSON(await fetchHistory(runId));
  }

  /**
   * Starts a new run of the same pinned flow version that reuses the outputs of every completed
   * node that is neither `fromNode` nor downstream of it; the rest runs again.
   */
  async function rerun(runId: string, request: { fromNode: string; inputs?: Record<string, unknown> }) {
    const previous = await get(runId);
    const input = await originalInput(runId);
    if (previous.status === 'running' || previous.status === 'waiting') {
      throw new HttpError(
        409,
        'conflict',
        `run "${runId}" is still ${previous.status}; re-run it once it completed, failed or was cancelled`,
      );
    }
    const graph = buildGraph(input.flow.definition);
    if (!graph.nodes.has(request.fromNode)) {
      const message = `no node "${request.fromNode}" in ${input.flow.name} v${input.flow.version}; nodes: ${[...graph.nodes.keys()].join(', ')}`;
      throw new HttpError(400, 'invalid_request', `$.fromNode: ${message}`, [{ path: '$.fromNode', message }]);
    }
    const [row] = await sql<{ state: RunState | null }[]>`SELECT state FROM runs WHERE run_id = ${runId}`;
    const nodes = fromStorable<RunState | null>(row?.state)?.nodes ?? previous.nodes;
    const again = new Set([request.fromNode, ...descendants(graph, request.fromNode)]);
    const reuse: NonNullable<RunFlowInput['reuse']> = {};
    for (const [id, node] of Object.entries(nodes)) {
      if (!again.has(id) && node.status === 'completed')
        reuse[id] = { output: node.output ?? null, attempts: node.attempts };
    }
    return startPinned({
      ...input,
      runId: randomUUID().replace(/-/g, ''),
      inputs: request.inputs ?? input.inputs,
      origin: 'rerun',
      reuse,
      rerunOf: runId,
      fromNode: request.fromNode,
    });
  }

  /** The run's state: from the workflow while it runs, from Postgres once it closed (no worker needed). */
  async function get(runId: string): Promise<RunView> {
    const [row] = await sql<
      {
        workflow_id: string;
        flow_id: string;
        flow_name: string;
        flow_version: number;
        status: string;
        origin: string;
        state: RunState | null;
      }[]
    >`
      SELECT workflow_id, flow_id, flow_name, flow_version, status, origin, state FROM runs WHERE run_id = ${runId}`;
    let state = fromStorable<RunState | null>(row?.state) ?? undefined;
    let origin: string | undefined = row?.origin;
    if (!state) {
      const handle = client.workflow.getHandle(workflowIdOf(runId));
      let description;
      try {
        description = await handle.describe();
        // A run no API started (a schedule's) has no row until its first event is written.
        origin ??= (description.memo?.origin as string | undefined) ?? undefined;
      } catch (err) {
        if (isNotFound(err)) throw notFound(`run "${runId}"`);
        throw err;
      }
      const status = runStatusOf(description.status.name);
      if (status === 'running') {
        // A query needs a worker; with none polling, answer from the event log instead of waiting.
        state = await withTimeout(handle.query<RunState>(STATE_QUERY), QUERY_TIMEOUT_MS).catch(() => undefined);
      }
      state ??= {
        runId,
        flowId: row?.flow_id ?? '',
        flowName: row?.flow_name ?? '',
        flowVersion: row?.flow_version ?? 0,
        status,
        nodes: await nodesFromEvents(runId, row?.flow_id, row?.flow_version),
        outputs: {},
      };
      if (state.status === 'running' && status !== 'running') state = { ...state, status };
    }
    const nodes = await mergeEventFacts(runId, state.nodes);
    const outputs = (await derefDeep(sql, state.outputs)) as Record<string, unknown>;
    const derefNodes = Object.fromEntries(
      await Promise.all(
        Object.entries(nodes).map(
          async ([id, n]) =>
            [id, n.output === undefined ? n : { ...n, output: await derefDeep(sql, n.output) }] as const,
        ),
      ),
    );
    return {
      ...state,
      nodes: derefNodes,
      outputs,
      workflowId: workflowIdOf(runId),
      links: links(runId),
      ...(origin ? { origin } : {}),
    };
  }

  /** Node states as the event log tells them (every node of the pinned version, pending until an event says more). */
  async function nodesFromEvents(runId: string, flowId?: string, version?: number): Promise<Record<string, NodeState>> {
    const nodes: Record<string, NodeState> = {};
    if (flowId && version) {
      const [v] = await sql<{ definition: { nodes: { id: string }[] } }[]>`
        SELECT definition FROM flow_versions WHERE flow_id = ${flowId} AND version = ${version}`;
      for (const n of v?.definition.nodes ?? []) nodes[n.id] = { status: 'pending', attempts: 0 };
    }
    for (const e of await readEvents(sql, runId, 0, 100_000)) {
      const status = e.nodeId ? NODE_STATUS_BY_EVENT[e.type] : undefined;
      if (!e.nodeId || !status) continue;
      const prev = nodes[e.nodeId] ?? { status: 'pending', attempts: 0 };
      nodes[e.nodeId] = { ...prev, status, attempts: Math.max(prev.attempts, e.attempt ?? 0) };
    }
    return nodes;
  }

  /** Attempts and retrying come from activity events (the workflow learns them only at the end). */
  async function mergeEventFacts(runId: string, nodes: Record<string, NodeState>): Promise<Record<string, NodeState>> {
    const rows = await sql<{ node_id: string; attempts: number; last_type: string }[]>`
      SELECT node_id, MAX(attempt) AS attempts,
             (ARRAY_AGG(type ORDER BY seq DESC))[1] AS last_type
      FROM run_events WHERE run_id = ${runId} AND node_id IS NOT NULL AND type IN ('node.started', 'node.retrying', 'node.completed', 'node.failed')
      GROUP BY node_id`;
    const merged = { ...nodes };
    for (const r of rows) {
      const n = merged[r.node_id];
      if (!n) continue;
      const attempts = Math.max(n.attempts ?? 0, Number(r.attempts ?? 0));
      const status = n.status === 'running' && r.last_type === 'node.retrying' ? 'retrying' : n.status;
      merged[r.node_id] = { ...n, attempts, status };
    }
    return merged;
  }

  async function cancel(runId: string): Promise<void> {
    const view = await get(runId);
    if (view.status !== 'running' && view.status !== 'waiting')
      throw new HttpError(409, 'conflict', `run "${runId}" is ${view.status}, not running`);
    await client.workflow.getHandle(workflowIdOf(runId)).cancel();
  }

  async function approve(
    runId: string,
    nodeId: string,
    decision: { approved: boolean; comment?: string; by?: string },
  ) {
    await get(runId);
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

  /** Waits up to `seconds` for the run to close; resolves either way. */
  async function waitFor(runId: string, seconds: number): Promise<void> {
    const handle = client.workflow.getHandle(workflowIdOf(runId));
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      handle.result().catch(() => undefined),
      new Promise((resolve) => (timer = setTimeout(resolve, seconds * 1000))),
    ]);
    clearTimeout(timer);
  }

  /**
   * One page of runs from Temporal visibility, newest first; `nextPageToken` (absent on the last
   * page) is Temporal's own page token, so pages never overlap or skip a run.
   */
  async function list(filter: { flow?: string; status?: string; limit: number; pageToken?: string }) {
    const clauses = [`WorkflowType = ${quote(WORKFLOW_TYPE)}`];
    if (filter.flow) {
      const flow = await getFlow(sql, filter.flow);
      clauses.push(flow ? `FlowId = ${quote(flow.id)}` : `FlowName = ${quote(filter.flow)}`);
    }
    const statusMap: Record<string, string> = {
      running: 'Running',
      completed: 'Completed',
      failed: 'Failed',
      cancelled: 'Canceled',
    };
    if (filter.status) clauses.push(`ExecutionStatus = ${quote(statusMap[filter.status])}`);
    const query = clauses.join(' AND ');
    // Temporal answers a malformed token with UNKNOWN (which the client retries), so the token we
    // hand out names the query it pages, and anything else is refused here.
    const tag = createHash('sha256').update(query).digest('base64url').slice(0, 8);
    const runs = [];
    let nextPageToken: Uint8Array | undefined;
    if (filter.pageToken) {
      const [version, forQuery, inner] = Buffer.from(filter.pageToken, 'base64url').toString('utf8').split(':');
      if (version !== 'tf1' || forQuery !== tag || !inner) {
        const message = 'not a nextPageToken this API gave out for the same flow and status filters';
        throw new HttpError(400, 'invalid_request', `$.pageToken: ${message}`, [{ path: '$.pageToken', message }]);
      }
      nextPageToken = Buffer.from(inner, 'base64url');
    }
    do {
      const response: Awaited<ReturnType<typeof client.workflowService.listWorkflowExecutions>> =
        await client.workflowService.listWorkflowExecutions({
          namespace: deps.namespace,
          query,
          pageSize: filter.limit - runs.length,
          nextPageToken,
        });
      for (const raw of response.executions) {
        const wf = await executionInfoFromRaw(raw, client.options.loadedDataConverter, raw, deps.namespace);
        const runId = wf.workflowId.replace(/^run-/, '');
        runs.push({
          runId,
          workflowId: wf.workflowId,
          flowId: wf.typedSearchAttributes.get(FLOW_ID_KEY),
          flowName: wf.typedSearchAttributes.get(FLOW_NAME_KEY),
          flowVersion: wf.typedSearchAttributes.get(FLOW_VERSION_KEY),
          status: runStatusOf(wf.status.name),
          startedAt: wf.startTime.toISOString(),
          closedAt: wf.closeTime?.toISOString() ?? null,
          links: links(runId),
        });
      }
      nextPageToken = response.nextPageToken?.length ? response.nextPageToken : undefined;
    } while (nextPageToken && runs.length < filter.limit);
    const next = nextPageToken && `tf1:${tag}:${Buffer.from(nextPageToken).toString('base64url')}`;
    return { runs, ...(next ? { nextPageToken: Buffer.from(next).toString('base64url') } : {}) };
  }

  async function events(runId: string, after: number) {
    return readEvents(sql, runId, after);
  }

  return { start, rerun, history, originalInput, get, cancel, approve, waitFor, list, events, links };
}

export type RunService = ReturnType<typeof createRunService>;

const QUERY_TIMEOUT_MS = 3000;

/** A visibility-query string literal; the schemas already keep quotes and backslashes out, this keeps it so. */
function quote(value: string): string {
  return `'${value.replace(/[\\']/g, (c) => `\\${c}`)}'`;
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    promise,
    new Promise<T>((_, reject) => (timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms))),
  ]).finally(() => clearTimeout(timer));
}

/** Temporal says "no such workflow" as WorkflowNotFoundError or as a gRPC NOT_FOUND (code 5). */
function isNotFound(err: unknown): boolean {
  const e = err as { name?: string; code?: number; cause?: { code?: number } };
  return (
    err instanceof WorkflowNotFoundError || e?.name === 'WorkflowNotFoundError' || e?.code === 5 || e?.cause?.code === 5
  );
}

/** A flow imported with unsupported components (marked nodes) cannot run: 422 listing them all. */
function refuseUnsupported(def: { nodes: { id: string; type: string; params?: Record<string, unknown> }[] }): void {
  const marked = def.nodes.flatMap((n, i) => (n.type === 'unsupported' ? [{ ...n, at: i }] : []));
  if (marked.length === 0) return;
  const details = marked.map((n) => ({
    path: `$.nodes[${n.at}]`,
    message: String(n.params?.reason ?? ''),
    id: String(n.params?.langflowId ?? n.id),
    type: String(n.params?.component ?? ''),
    reason: String(n.params?.reason ?? ''),
  }));
  throw new HttpError(
    422,
    'unsupported_components',
    `this flow has ${marked.length} unsupported component${marked.length === 1 ? '' : 's'}: ${details.map((d) => `${d.id} (${d.type}): ${d.reason}`).join('; ')}`,
    details,
  );
}

function summarizeInputs(inputs: Record<string, unknown>): string {
  const text = JSON.stringify(inputs);
  return text.length > 120 ? `${text.slice(0, 117)}…` : text;
}

function describeFlow(input: RunFlowInput): string {
  const def = input.flow.definition;
  const nodes = def.nodes.map((n) => `| ${n.id} | ${n.type} | ${n.onError ?? 'fail'} |`);
  const edges = def.edges.map((e) => `- ${e.source}${e.sourceHandle ? ` (${e.sourceHandle})` : ''} → ${e.target}`);
  return [
    `### ${input.flow.name} v${input.flow.version}`,
    def.description ?? '',
    `Origin: ${input.origin}${input.rerunOf ? ` · re-run of ${input.rerunOf} from ${input.fromNode}` : ''}`,
    '',
    '| node | type | onError |',
    '|---|---|---|',
    ...nodes,
    '',
    '**Edges**',
    ...edges,
  ].join('\n');
}
