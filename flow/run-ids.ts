import type { SearchAttributePair, SearchAttributeType } from '@temporalio/common';

/** The Temporal workflow id of a run: every run (API, schedule, sub-flow, re-run) is `run-<runId>`. */
export function workflowIdOf(runId: string): string {
  return `run-${runId}`;
}

/** The run id inside a workflow id (`run-<runId>`); a schedule's runs are `run-<scheduleId>-<time>`. */
export function runIdOf(workflowId: string): string {
  return workflowId.replace(/^run-/, '');
}

/** The shape of `defineSearchAttributeKey`'s result (which @temporalio/common does not export): flow/ loads no @temporalio code. */
export interface SearchAttributeKey<T extends SearchAttributeType> {
  name: string;
  type: T;
}

const key = <T extends SearchAttributeType>(name: string, type: T): SearchAttributeKey<T> => ({ name, type });

export const FLOW_ID_KEY = key('FlowId', 'KEYWORD');
export const FLOW_NAME_KEY = key('FlowName', 'KEYWORD');
export const FLOW_VERSION_KEY = key('FlowVersion', 'INT');
export const RERUN_OF_KEY = key('RerunOf', 'KEYWORD');
export const RERUN_FROM_NODE_KEY = key('RerunFromNode', 'KEYWORD');

/**
 * Every search attribute Tempoflow sets, the one definition: the dev server registers these,
 * `deploy/temporal-setup.sh` must list the same (a unit test compares).
 */
export const SEARCH_ATTRIBUTE_KEYS = [FLOW_ID_KEY, FLOW_NAME_KEY, FLOW_VERSION_KEY, RERUN_OF_KEY, RERUN_FROM_NODE_KEY];

/** The attributes every run of a flow version carries (its id, name and version). */
export function flowSearchAttributes(flow: { flowId: string; name: string; version: number }): SearchAttributePair[] {
  return [
    { key: FLOW_ID_KEY, value: flow.flowId },
    { key: FLOW_NAME_KEY, value: flow.name },
    { key: FLOW_VERSION_KEY, value: flow.version },
  ];
}
