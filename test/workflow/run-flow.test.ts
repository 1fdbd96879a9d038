import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WorkflowFailedError } from '@temporalio/client';
import { ApplicationFailure, CancelledFailure } from '@temporalio/common';
import type { GraphDef, NodeStatus, RunState } from '../../flow/index.js';
import { WorkflowHarness } from './harness.js';

let h: WorkflowHarness;
beforeAll(async () => {
  h = await WorkflowHarness.start();
});
afterAll(async () => {
  await h?.stop();
});

/** Waits, without letting the server skip time, until a node of the run has `status`. */
async function untilNode(handle: { query: (q: string) => Promise<unknown> }, nodeId: string, status: NodeStatus) {
  for (;;) {
    const state = (await handle.query('state')) as RunState;
    if (state.nodes[nodeId]?.status === status) return state;
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function failureOf(result: Promise<unknown>): Promise<WorkflowFailedError> {
  const err = await result.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(WorkflowFailedError);
  return err as WorkflowFailedError;
}

const DAY = 24 * 3600_000;

describe('delay', () => {
  it('waits its duration on a durable timer (skipped here), then the run goes on', async () => {
    const graph: GraphDef = {
      nodes: [
        { id: 'in', type: 'input', params: { name: 'who' } },
        { id: 'wait', type: 'delay', params: { duration: '3d' } },
        { id: 'out', type: 'output', params: { name: 'greeting', value: 'hello {{in}}' } },
      ],
      edges: [
        { source: 'in', target: 'wait' },
        { source: 'wait', target: 'out' },
      ],
    };
    const before = await h.currentTimeMs();
    const { runId, handle } = await h.start(graph, { who: 'Ada' });
    const state = await handle.result();
    expect(state.status).toBe('completed');
    expect(state.outputs).toEqual({ greeting: 'hello Ada' });
    expect(state.nodes.wait).toMatchObject({ status: 'completed', attempts: 1, output: null });
    expect((await h.currentTimeMs()) - before).toBeGreaterThanOrEqual(3 * DAY);
    expect(h.eventLog(runId)).toEqual([
      'run.started',
      'node.started:in',
      'node.completed:in',
      'node.started:wait',
      'node.completed:wait',
      'node.started:out',
      'node.completed:out',
      'run.completed',
    ]);
    expect(h.events.get(runId)!.find((e) => e.type === 'node.started' && e.nodeId === 'wait')!.data).toEqual({
      durationMs: 3 * DAY,
    });
  });

  it('refuses a duration from upstream that is not one, naming the param', async () => {
    const { handle } = await h.start(
      {
        nodes: [
          { id: 'in', type: 'input', params: { name: 'pause' } },
          { id: 'wait', type: 'delay', params: { duration: '{{in}}' } },
        ],
        edges: [{ source: 'in', target: 'wait' }],
      },
      { pause: 'soon' },
    );
    const err = await failureOf(handle.result());
    expect(err.cause).toBeInstanceOf(ApplicationFailure);
    expect((err.cause as ApplicationFailure).type).toBe('NodeFailed');
    expect(err.cause!.message).toBe(
      'node "wait" failed: invalid params after resolving placeholders: $.params.duration: Invalid input',
    );
  });
});

describe('approval', () => {
  const graph = (timeout?: string): GraphDef => ({
    nodes: [
      { id: 'ok', type: 'approval', params: { message: 'Ship it?', ...(timeout ? { timeout } : {}) } },
      { id: 'out', type: 'output', params: { name: 'decision', value: '{{ok.approved}}' } },
    ],
    edges: [{ source: 'ok', target: 'out' }],
  });

  it('fails with ApprovalTimedOut when nobody decides within its timeout', async () => {
    const before = await h.currentTimeMs();
    const { runId, handle } = await h.start(graph('2h'));
    const err = await failureOf(handle.result());
    expect((err.cause as ApplicationFailure).type).toBe('NodeFailed');
    expect(err.cause!.message).toBe('node "ok" failed: approval "ok" timed out after 2h');
    expect((await h.currentTimeMs()) - before).toBeGreaterThanOrEqual(2 * 3600_000);
    const final = h.finals.get(runId)!;
    expect(final.status).toBe('failed');
    expect(final.nodes.ok).toMatchObject({
      status: 'failed',
      error: { type: 'ApprovalTimedOut', message: 'approval "ok" timed out after 2h' },
    });
    expect(final.nodes.out.status).toBe('cancelled');
    expect(h.eventLog(runId)).toEqual(['run.started', 'node.waiting:ok', 'node.failed:ok', 'run.failed']);
  });

  it('goes on with the decision when it comes in time', async () => {
    const { runId, handle } = await h.start(graph('2h'));
    const waiting = await untilNode(handle, 'ok', 'waiting');
    expect(waiting.status).toBe('waiting');
    await handle.executeUpdate('approve', { args: [{ nodeId: 'ok', approved: true, by: 'ada' }] });
    const state = await handle.result();
    expect(state.outputs).toEqual({ decision: true });
    expect(state.nodes.ok.output).toEqual({ approved: true, comment: null, by: 'ada' });
    expect(h.eventLog(runId)).toEqual([
      'run.started',
      'node.waiting:ok',
      'node.completed:ok',
      'node.started:out',
      'node.completed:out',
      'run.completed',
    ]);
  });
});

describe('cancel', () => {
  it('cancels the running node; what depends on it is skipped; the run ends cancelled', async () => {
    const { runId, handle } = await h.start({
      nodes: [
        { id: 'in', type: 'input' },
        { id: 'wait', type: 'delay', params: { duration: '1d' } },
        { id: 'after', type: 'echo', params: { value: 'never' } },
      ],
      edges: [
        { source: 'in', target: 'wait' },
        { source: 'wait', target: 'after' },
      ],
    });
    await untilNode(handle, 'wait', 'running');
    await handle.cancel();
    const err = await failureOf(handle.result());
    expect(err.cause).toBeInstanceOf(CancelledFailure);
    const final = h.finals.get(runId)!;
    expect(final.status).toBe('cancelled');
    expect(final.nodes.in.status).toBe('completed');
    expect(final.nodes.wait.status).toBe('cancelled');
    expect(final.nodes.after.status).toBe('skipped');
    expect(h.eventLog(runId).slice(-3)).toEqual(['node.cancelled:wait', 'node.skipped:after', 'run.cancelled']);
  });
});

describe('onError', () => {
  // The safe branch waits on a timer first, so a failure of `risky` always finds it running.
  const graph = (onError?: 'continue'): GraphDef => ({
    nodes: [
      { id: 'in', type: 'input' },
      { id: 'risky', type: 'http', params: { url: 'http://example.test/' }, ...(onError ? { onError } : {}) },
      { id: 'afterRisky', type: 'echo', params: { value: '{{risky}}' } },
      { id: 'pause', type: 'delay', params: { duration: '1h' } },
      { id: 'safe', type: 'echo', params: { value: 'fine' } },
      { id: 'out', type: 'output', params: { name: 'safe', value: '{{safe.value}}' } },
    ],
    edges: [
      { source: 'in', target: 'risky' },
      { source: 'risky', target: 'afterRisky' },
      { source: 'in', target: 'pause' },
      { source: 'pause', target: 'safe' },
      { source: 'safe', target: 'out' },
    ],
  });
  const notFound = () => {
    throw ApplicationFailure.nonRetryable('GET http://example.test/: 404 Not Found', 'HttpClientError');
  };

  it('"continue": the failed node is recorded, what depends on it is skipped, the run completes', async () => {
    h.stub({ http: notFound });
    const { runId, handle } = await h.start(graph('continue'));
    const state = await handle.result();
    expect(state.status).toBe('completed');
    expect(state.outputs).toEqual({ safe: 'fine' });
    expect(state.nodes.risky).toMatchObject({
      status: 'failed',
      attempts: 1,
      error: { type: 'HttpClientError', message: 'GET http://example.test/: 404 Not Found' },
    });
    expect(state.nodes.afterRisky.status).toBe('skipped');
    expect(h.eventLog(runId)).toContain('node.skipped:afterRisky');
  });

  it('"fail" (the default): the run fails naming the node, its error type and message', async () => {
    h.stub({ http: notFound });
    const { runId, handle } = await h.start(graph());
    const err = await failureOf(handle.result());
    const cause = err.cause as ApplicationFailure;
    expect(cause.type).toBe('NodeFailed');
    expect(cause.message).toBe('node "risky" failed: GET http://example.test/: 404 Not Found');
    expect(cause.details).toEqual([{ nodeId: 'risky', errorType: 'HttpClientError' }]);
    const final = h.finals.get(runId)!;
    expect(final.error).toMatchObject({ nodeId: 'risky', type: 'HttpClientError' });
    // The failure cancels what is running and what has not started.
    expect(final.nodes.pause.status).toBe('cancelled');
    expect(final.nodes.afterRisky.status).toBe('cancelled');
    expect(final.nodes.safe.status).toBe('cancelled');
    expect(h.eventLog(runId)).toContain('node.cancelled:pause');
  });

  it('retries a node under its retry policy (the back-off is skipped) and counts the attempts', async () => {
    h.stub({
      http: (_input, attempt) => {
        if (attempt < 3) throw new Error(`503 on attempt ${attempt}`);
        return { status: 200 };
      },
    });
    const graphWithRetry = graph('continue');
    graphWithRetry.nodes[1].retry = {
      maximumAttempts: 5,
      initialInterval: '1h',
      backoffCoefficient: 1,
      maximumInterval: '1h',
    };
    const before = await h.currentTimeMs();
    const { handle } = await h.start(graphWithRetry);
    const state = await handle.result();
    expect(state.nodes.risky).toMatchObject({ status: 'completed', attempts: 3, output: { status: 200 } });
    expect((await h.currentTimeMs()) - before).toBeGreaterThanOrEqual(2 * 3600_000);
  });
});
