import { randomUUID } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { WORKFLOW_TYPE, flowSearchAttributes, workflowIdOf } from '../../flow/index.js';
import { connectClient } from '../../infra/index.js';
import { runsVisibilityQuery } from '../../api/visibility-query.js';
import { testEnv } from '../helpers/stack.js';

// Temporal's own parser reads the literal: a flow name holding quotes (and a clause) matches itself only.
describe('visibility query against Temporal', async () => {
  const { client, connection } = await connectClient(testEnv().address, 'default');
  const runId = randomUUID().replace(/-/g, '');
  const flowName = `o'brien ${runId.slice(0, 6)}' OR WorkflowType = '${WORKFLOW_TYPE}`;
  afterAll(async () => {
    await client.workflow
      .getHandle(workflowIdOf(runId))
      .terminate('test done')
      .catch(() => {});
    await connection.close();
  });

  it('finds the run whose FlowName holds a quote, and nothing else', async () => {
    // No worker polls this task queue: the run stays open, which is all visibility needs.
    await client.workflow.start(WORKFLOW_TYPE, {
      taskQueue: `visibility-${runId}`,
      workflowId: workflowIdOf(runId),
      args: [{}],
      typedSearchAttributes: flowSearchAttributes({ flowId: `id-${runId}`, name: flowName, version: 1 }),
    });
    const query = runsVisibilityQuery({ workflowType: WORKFLOW_TYPE, flowName });
    let ids: string[] = [];
    for (let i = 0; i < 100 && ids.length === 0; i++) {
      const page = await client.workflowService.listWorkflowExecutions({ namespace: 'default', query });
      ids = page.executions.map((e) => e.execution!.workflowId!);
      if (ids.length === 0) await new Promise((r) => setTimeout(r, 200));
    }
    expect(ids).toEqual([workflowIdOf(runId)]);
  });
});
