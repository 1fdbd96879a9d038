import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStack, uniqueName, type Stack } from '../helpers/stack.js';
import { readStream } from '../helpers/sse.js';

let stack: Stack;
beforeAll(async () => {
  stack = await startStack({ name: 'pure-chain' });
});
afterAll(async () => stack?.stop());

/** in → t0 … t(n-1) (each adds 1) → out; `extra` overrides a node's fields. */
const chain = (name: string, n: number, extra: Record<string, object> = {}) => {
  const ids = Array.from({ length: n }, (_, i) => `t${i}`);
  return {
    name,
    nodes: [
      { id: 'in', type: 'input', params: { name: 'x' } },
      ...ids.map((id, i) => ({
        id,
        type: 'transform',
        params: { expression: `${i === 0 ? 'in' : ids[i - 1]} + 1` },
        ...extra[id],
      })),
      { id: 'out', type: 'output', params: { name: 'x', value: `{{${ids.at(-1)}}}` } },
    ],
    edges: [
      { source: 'in', target: 't0' },
      ...ids.slice(1).map((id, i) => ({ source: ids[i], target: id })),
      { source: ids.at(-1)!, target: 'out' },
    ],
  };
};

/** The run's node work in history order: local activity types (the event writes left out) and activities. */
async function nodeWork(runId: string): Promise<string[]> {
  const history = await stack.client.workflow.getHandle(`run-${runId}`).fetchHistory();
  return (history.events ?? []).flatMap((e) => {
    const scheduled = e.activityTaskScheduledEventAttributes?.activityType?.name;
    if (scheduled) return [`activity:${scheduled}`];
    const data = e.markerRecordedEventAttributes?.details?.data?.payloads?.[0]?.data;
    if (e.markerRecordedEventAttributes?.markerName !== 'core_local_activity' || !data) return [];
    const type = JSON.parse(Buffer.from(data).toString()).activity_type as string;
    return type === 'publishEvents' ? [] : [type];
  });
}

describe('a chain of pure nodes', () => {
  it('runs ahead in one local activity; every node reports, in causal order, exactly once', async () => {
    const name = await stack.createFlow(chain(uniqueName('pure'), 8));
    const run = await stack.run(name, { inputs: { x: 10 } });
    expect(run).toMatchObject({ status: 'completed', outputs: { x: 18 } });
    for (let i = 0; i < 8; i++) expect(run.nodes[`t${i}`]).toMatchObject({ status: 'completed', output: 11 + i });
    // One local activity per node before (8 transforms); now the head runs the other seven ahead.
    expect(await nodeWork(run.runId)).toEqual(['pureChain']);

    const events = await readStream(stack.baseUrl, run.runId);
    const order = ['in', ...Array.from({ length: 8 }, (_, i) => `t${i}`), 'out'];
    const at = (type: string, id: string) => events.findIndex((e) => e.event === type && e.data.nodeId === id);
    for (const id of order) {
      expect(
        events.filter((e) => e.event === 'node.started' && e.data.nodeId === id),
        id,
      ).toHaveLength(1);
      expect(at('node.completed', id), id).toBeGreaterThan(at('node.started', id));
    }
    for (let i = 1; i < order.length; i++)
      expect(at('node.started', order[i]), order[i]).toBeGreaterThan(at('node.completed', order[i - 1]));
    expect(events.filter((e) => e.event === 'node.completed')).toHaveLength(order.length);
  });

  it('runs a node that failed ahead again in its turn, failing as it would alone', async () => {
    const name = await stack.createFlow(
      chain(uniqueName('pure-fail'), 6, { t3: { params: { expression: '$error("no good")' } } }),
    );
    const run = await stack.run(name, { inputs: { x: 0 } });
    expect(run.status).toBe('failed');
    expect(run.nodes.t2).toMatchObject({ status: 'completed', output: 3 });
    // An expression error is not retried (ExpressionFailed is non-retryable), ahead or not.
    expect(run.nodes.t3).toMatchObject({ status: 'failed', attempts: 1, error: { type: 'ExpressionFailed' } });
    expect(run.nodes.t3.error.message).toContain('no good');
    expect(run.nodes.t4.status).toBe('cancelled'); // the run fails (onError "fail"): never started
    const events = await readStream(stack.baseUrl, run.runId);
    const of = (type: string, id: string) => events.filter((e) => e.event === type && e.data.nodeId === id);
    expect(of('node.started', 't3')).toHaveLength(1);
    expect(of('node.failed', 't3')).toHaveLength(1);
    for (const id of ['t0', 't1', 't2']) expect(of('node.completed', id), id).toHaveLength(1);
    expect(of('node.started', 't4')).toHaveLength(0);
    // The chain ran t0 (head), t1 and t2 ahead and stopped at t3, which then ran in its turn as
    // the head of its own chain, and failed there.
    expect(await nodeWork(run.runId)).toEqual(['pureChain', 'pureChain']);
  });

  it('runs a head with a timeout of its own alone (its followers would run within that timeout)', async () => {
    const name = await stack.createFlow(chain(uniqueName('pure-timeout'), 4, { t0: { timeout: '30s' } }));
    const run = await stack.run(name, { inputs: { x: 0 } });
    expect(run).toMatchObject({ status: 'completed', outputs: { x: 4 } });
    // t0 alone, then t1 runs t2 and t3 ahead.
    expect(await nodeWork(run.runId)).toEqual(['transform', 'pureChain']);
  });

  it('ends a chain at a condition and takes its branch', async () => {
    const name = await stack.createFlow({
      name: uniqueName('pure-cond'),
      nodes: [
        { id: 'in', type: 'input', params: { name: 'x' } },
        { id: 'double', type: 'transform', params: { expression: 'in * 2' } },
        { id: 'big', type: 'condition', params: { expression: 'double > 10' } },
        { id: 'yes', type: 'transform', params: { expression: '"big " & $string(double)' } },
        { id: 'no', type: 'transform', params: { expression: '"small " & $string(double)' } },
      ],
      edges: [
        { source: 'in', target: 'double' },
        { source: 'double', target: 'big' },
        { source: 'big', target: 'yes', sourceHandle: 'true' },
        { source: 'big', target: 'no', sourceHandle: 'false' },
      ],
    });
    const run = await stack.run(name, { inputs: { x: 4 } });
    expect(run.status).toBe('completed');
    expect(run.nodes.no).toMatchObject({ status: 'completed', output: 'small 8' });
    expect(run.nodes.yes.status).toBe('skipped');
  });

  it('re-runs from the middle of a chain: the nodes before it are reused, not run ahead again', async () => {
    const name = await stack.createFlow(chain(uniqueName('pure-rerun'), 6));
    const first = await stack.run(name, { inputs: { x: 1 } });
    expect(first.outputs).toEqual({ x: 7 });
    const rerun = await stack.api('POST', `/api/v1/runs/${first.runId}/rerun`, { fromNode: 't3' });
    expect(rerun.status).toBe(202);
    const second = await stack.waitForRun(rerun.body.runId, (r) => r.status === 'completed');
    expect(second.outputs).toEqual({ x: 7 });
    for (const id of ['t0', 't1', 't2']) expect(second.nodes[id], id).toMatchObject({ reused: true });
    expect(second.nodes.t3.reused).toBeUndefined();
    const started = (await readStream(stack.baseUrl, rerun.body.runId))
      .filter((e) => e.event === 'node.started')
      .map((e) => e.data.nodeId);
    expect(started).toEqual(['t3', 't4', 't5', 'out']);
  });

  it('runs a pure chain inside a loop body ahead too, outputs in item order', async () => {
    const name = await stack.createFlow({
      name: uniqueName('pure-loop'),
      nodes: [
        { id: 'in', type: 'input', params: { name: 'items' } },
        {
          id: 'each',
          type: 'loop',
          params: {
            items: '{{in}}',
            concurrency: 3,
            body: {
              nodes: [
                { id: 'item', type: 'input', params: { name: 'item' } },
                { id: 'a', type: 'transform', params: { expression: 'item * 10' } },
                { id: 'b', type: 'transform', params: { expression: 'a + 1' } },
                { id: 'c', type: 'transform', params: { expression: 'b * 2' } },
                { id: 'result', type: 'output', params: { name: 'v', value: '{{c}}' } },
              ],
              edges: [
                { source: 'item', target: 'a' },
                { source: 'a', target: 'b' },
                { source: 'b', target: 'c' },
                { source: 'c', target: 'result' },
              ],
            },
          },
        },
      ],
      edges: [{ source: 'in', target: 'each' }],
    });
    const run = await stack.run(name, { inputs: { items: [1, 2, 3, 4, 5] } });
    expect(run.status).toBe('completed');
    expect((run.nodes.each.output as { v: number }[]).map((o) => o.v)).toEqual([22, 42, 62, 82, 102]);
  });
});
