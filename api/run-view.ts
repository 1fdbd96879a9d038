import type { Client } from '@temporalio/client';
import { historyToJSON } from '@temporalio/common/lib/proto-utils.js';
import {
  NODE_STATUS_BY_EVENT,
  STATE_QUERY,
  workflowIdOf,
  type NodeState,
  type RunFlowInput,
  type RunState,
} from '../flow/index.js';
import { readEvents } from '../events/index.js';
import type { Sql } from '../infra/index.js';
import { derefDeep, isNotFound, readRunRow, runStatusOf } from '../runs/index.js';
import { HttpError, notFound } from './http-error.js';

export interface RunViewDeps {
  sql: Sql;
  client: Client;
  namespace: string;
  temporalUiUrl: string;
}

export type RunView = RunState & { workflowId: string; links: RunLinks; origin?: string };
export interface RunLinks {
  self: string;
  events: string;
  temporalUi: string;
}

/** A query needs a worker; with none polling, the view answers from the event log after this long. */
const QUERY_TIMEOUT_MS = 3000;

/**
 * The read side of a run: its state (from the workflow while it runs, from Postgres once it closed,
 * so no worker is needed), its event log, its history and the input it was started with.
 */
export function createRunView(deps: RunViewDeps) {
  const { sql, client } = deps;

  const links = (runId: string): RunLinks => ({
    self: `/api/v1/runs/${runId}`,
    events: `/api/v1/runs/${runId}/events`,
    temporalUi: `${deps.temporalUiUrl.replace(/\/$/, '')}/namespaces/${encodeURIComponent(deps.namespace)}/workflows/${encodeURIComponent(workflowIdOf(runId))}`,
  });

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

  /** The run's state: from the workflow while it runs, from Postgres once it closed (no worker needed). */
  async function get(runId: string): Promise<RunView> {
    const row = await readRunRow(sql, runId);
    let state = row?.state ?? undefined;
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
        state = await withTimeout(handle.query<RunState>(STATE_QUERY), QUERY_TIMEOUT_MS).catch(() => undefined);
      } else {
        // Closed between the two reads: its final state was stored before it closed.
        state = (await readRunRow(sql, runId))?.state ?? undefined;
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

  async function events(runId: string, after: number) {
    return readEvents(sql, runId, after);
  }

  return { get, events, history, originalInput, waitFor, links };
}

export type RunViewService = ReturnType<typeof createRunView>;

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    promise,
    new Promise<T>((_, reject) => (timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms))),
  ]).finally(() => clearTimeout(timer));
}
