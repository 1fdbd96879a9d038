import { createHash } from 'node:crypto';
import type { Client } from '@temporalio/client';
import { executionInfoFromRaw } from '@temporalio/client/lib/helpers.js';
import { FLOW_ID_KEY, FLOW_NAME_KEY, FLOW_VERSION_KEY, WORKFLOW_TYPE, runIdOf } from '../flow/index.js';
import type { Sql } from '../infra/index.js';
import { runStatusOf } from '../runs/index.js';
import { getFlow } from './flow-store.js';
import { HttpError } from './http-error.js';
import type { RunLinks } from './run-view.js';
import { runsVisibilityQuery, type RunsFilter } from './visibility-query.js';

export interface ListRunsDeps {
  sql: Sql;
  client: Client;
  namespace: string;
  links: (runId: string) => RunLinks;
}

export interface ListRunsRequest {
  flow?: string;
  status?: RunsFilter['status'];
  limit: number;
  pageToken?: string;
}

/**
 * One page of runs from Temporal visibility, newest first; `nextPageToken` (absent on the last
 * page) is Temporal's own page token, so pages never overlap or skip a run.
 */
export async function listRuns(deps: ListRunsDeps, filter: ListRunsRequest) {
  const { client, namespace } = deps;
  const flow = filter.flow ? await getFlow(deps.sql, filter.flow) : undefined;
  const query = runsVisibilityQuery({
    workflowType: WORKFLOW_TYPE,
    ...(flow ? { flowId: flow.id } : filter.flow ? { flowName: filter.flow } : {}),
    status: filter.status,
  });
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
        namespace,
        query,
        pageSize: filter.limit - runs.length,
        nextPageToken,
      });
    for (const raw of response.executions) {
      const wf = await executionInfoFromRaw(raw, client.options.loadedDataConverter, raw, namespace);
      const runId = runIdOf(wf.workflowId);
      runs.push({
        runId,
        workflowId: wf.workflowId,
        flowId: wf.typedSearchAttributes.get(FLOW_ID_KEY),
        flowName: wf.typedSearchAttributes.get(FLOW_NAME_KEY),
        flowVersion: wf.typedSearchAttributes.get(FLOW_VERSION_KEY),
        status: runStatusOf(wf.status.name),
        startedAt: wf.startTime.toISOString(),
        closedAt: wf.closeTime?.toISOString() ?? null,
        links: deps.links(runId),
      });
    }
    nextPageToken = response.nextPageToken?.length ? response.nextPageToken : undefined;
  } while (nextPageToken && runs.length < filter.limit);
  const next = nextPageToken && `tf1:${tag}:${Buffer.from(nextPageToken).toString('base64url')}`;
  return { runs, ...(next ? { nextPageToken: Buffer.from(next).toString('base64url') } : {}) };
}
