import { executeChild } from '@temporalio/workflow';
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';
import { DEFAULT_PRIORITY, type RunFlowInput, type RunState } from '../../flow/index.js';
import type { NodeKindExecutor } from '../node-context.js';

const FLOW_ID = defineSearchAttributeKey('FlowId', SearchAttributeType.KEYWORD);
const FLOW_NAME = defineSearchAttributeKey('FlowName', SearchAttributeType.KEYWORD);
const FLOW_VERSION = defineSearchAttributeKey('FlowVersion', SearchAttributeType.INT);

/**
 * `subflow`: runs a pinned flow as a child runFlow (workflow id `run-<runId>.<nodeId>`), with its
 * own events, state and search attributes. Output: the child's outputs.
 */
export const runSubflowNode: NodeKindExecutor = async (ctx, node, params) => {
  const { run } = ctx;
  const resolved = ctx.checkParams(node, await ctx.resolveForWorkflow(node, params));
  const flow = ctx.pinned(String(resolved.flow), node.id);
  const runId = ctx.childPrefix(node);
  ctx.started(node, { childRunId: runId });
  const result = await executeChild('runFlow', {
    workflowId: `run-${runId}`,
    args: [
      {
        runId,
        flow,
        inputs: (resolved.inputs ?? {}) as Record<string, unknown>,
        library: run.library,
        priority: node.priority ?? run.priority,
        fairnessKey: run.fairnessKey,
        origin: 'subflow',
        parent: { runId: run.runId, nodeId: node.id },
        quiet: ctx.isLoopItem,
      } satisfies RunFlowInput,
    ],
    staticSummary: `${node.id} · subflow ${flow.name} v${flow.version}`,
    typedSearchAttributes: [
      { key: FLOW_ID, value: flow.flowId },
      { key: FLOW_NAME, value: flow.name },
      { key: FLOW_VERSION, value: flow.version },
    ],
    memo: { origin: 'subflow', parentRunId: run.runId },
    priority: { priorityKey: node.priority ?? run.priority ?? DEFAULT_PRIORITY, fairnessKey: run.fairnessKey },
  });
  return ctx.completed(node, (result as RunState).outputs);
};
