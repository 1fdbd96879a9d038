import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStack, uniqueName, type Stack } from '../helpers/stack.js';

// WORKER_WORKFLOW_STACK_TRACES (worker/workflow-threads.ts): off by default, the stack trace query
// (the Temporal UI's "Stack Trace" tab) answers that they are not enabled; on, it shows where the
// interpreter waits. Both workers start at once: each keeps its own setting.
let off: Stack;
let on: Stack;

beforeAll(async () => {
  [off, on] = await Promise.all([
    startStack({ name: 'stacks-off' }),
    startStack({ name: 'stacks-on', workflowStackTraces: true }),
  ]);
});
afterAll(async () => {
  await Promise.all([off?.stop(), on?.stop()]);
});

/** Starts a run that waits on an approval, runs `check` on it, then lets it complete. */
async function whileWaiting(stack: Stack, check: (workflowId: string) => Promise<void>) {
  const name = await stack.createFlow({
    name: uniqueName('stacks'),
    nodes: [
      { id: 'ask', type: 'approval', params: { timeout: '1m' } },
      { id: 'out', type: 'output', params: { value: '{{ask.approved}}' } },
    ],
    edges: [{ source: 'ask', target: 'out' }],
  });
  const { runId, workflowId } = await stack.start(name);
  await stack.waitForRun(runId, (r) => r.nodes.ask?.status === 'waiting');
  await check(workflowId);
  await stack.api('POST', `/api/v1/runs/${runId}/approvals/ask`, { approved: true });
  const done = await stack.waitForRun(runId, (r) => r.status !== 'running' && r.status !== 'waiting');
  expect(done).toMatchObject({ status: 'completed', outputs: { out: true } });
}

describe('workflow stack traces', () => {
  it('are off by default: the stack trace query says so, and the run goes on', async () => {
    await whileWaiting(off, async (workflowId) => {
      await expect(off.client.workflow.getHandle(workflowId).query<string>('__stack_trace')).rejects.toThrow(
        /stack traces are not enabled/,
      );
    });
  });

  it('when on, the stack trace query shows where the interpreter waits', async () => {
    await whileWaiting(on, async (workflowId) => {
      const stack = await on.client.workflow.getHandle(workflowId).query<string>('__stack_trace');
      // Source-mapped frames of the interpreter (workflows/), not only the SDK's.
      expect(stack).toMatch(/workflows\/[\w/-]+\.ts:\d+/);
    });
  });
});
