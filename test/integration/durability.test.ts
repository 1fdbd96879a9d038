import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStack, uniqueName, type Stack } from '../helpers/stack.js';
import { readStream } from '../helpers/sse.js';
import { echoLoopNode } from '../../bench/flows.js';
import { historySizes } from '../../runs/index.js';

let stack: Stack;
beforeAll(async () => {
  stack = await startStack({ name: 'durable' });
});
afterAll(async () => stack?.stop());

describe('durability', () => {
  it('survives a worker stopped mid-run: the run completes and finished nodes are not executed again', async () => {
    const name = await stack.createFlow({
      name: uniqueName('restart'),
      nodes: [
        { id: 'first', type: 'echo', params: { value: 1, durationMs: 50 } },
        { id: 'second', type: 'echo', params: { value: 2, durationMs: 4000 }, retry: { initialInterval: '100ms' } },
        { id: 'third', type: 'echo', params: { value: 3 } },
      ],
      edges: [
        { source: 'first', target: 'second' },
        { source: 'second', target: 'third' },
      ],
    });
    const { runId, workflowId } = await stack.start(name);
    await stack.waitForRun(runId, (r) => r.nodes.second?.status === 'running');
    await stack.stopWorkers();
    await stack.startWorker();
    const run = await stack.waitForRun(runId, (r) => r.status === 'completed', 90_000);
    expect(run.nodes.third).toMatchObject({ status: 'completed', output: 3 });
    const events = await readStream(stack.baseUrl, runId);
    expect(events.filter((e) => e.event === 'node.started' && e.data.nodeId === 'first')).toHaveLength(1);
    const history = await stack.client.workflow.getHandle(workflowId).fetchHistory();
    const scheduled = history
      .events!.filter((e) => e.activityTaskScheduledEventAttributes)
      .map((e) => e.activityTaskScheduledEventAttributes!.activityId);
    expect(scheduled).toEqual(['first', 'second', 'third']);
  });

  it('loops over 10,000 items with no history above 10,240 events, outputs in order', async () => {
    const items = Array.from({ length: 10_000 }, (_, i) => i);
    const name = await stack.createFlow({
      name: uniqueName('loop10k'),
      nodes: [
        { id: 'in', type: 'input' },
        echoLoopNode('each', 'in.items', 50),
        { id: 'count', type: 'transform', params: { expression: '$count(each)' } },
        { id: 'out', type: 'output', params: { value: '{{each}}' } },
      ],
      edges: [
        { source: 'in', target: 'each' },
        { source: 'each', target: 'count' },
        { source: 'each', target: 'out' },
      ],
    });
    const { runId, workflowId } = await stack.start(name, { inputs: { items } });
    const run = await stack.waitForRun(runId, (r) => r.status !== 'running', 600_000);
    expect(run.error).toBeUndefined();
    expect(run.nodes.count.output).toBe(10_000);
    expect(run.outputs.out.map((o: { result: number }) => o.result)).toEqual(items);
    const sizes = await historySizes(stack.client, workflowId);
    expect(sizes.size).toBeGreaterThan(2);
    expect(Math.max(...sizes.values())).toBeLessThan(10_240);
    // The item runs (the loops that start no child) run at once and share the loop's concurrency:
    // 50 over 20 of them, not 2 each (40).
    let leaves = 0;
    let concurrency = 0;
    let lastStart = 0;
    let firstEnd = Infinity;
    for (const id of sizes.keys()) {
      const events = (await stack.client.workflow.getHandle(id).fetchHistory()).events!;
      const started = events[0].workflowExecutionStartedEventAttributes!;
      if (
        started.workflowType?.name !== 'runLoop' ||
        events.some((e) => e.startChildWorkflowExecutionInitiatedEventAttributes)
      )
        continue;
      leaves += 1;
      concurrency += JSON.parse(Buffer.from(started.input!.payloads![0].data!).toString()).concurrency;
      const at = (e: (typeof events)[number]) => Number(e.eventTime!.seconds) * 1000 + e.eventTime!.nanos! / 1e6;
      lastStart = Math.max(lastStart, at(events[0]));
      firstEnd = Math.min(firstEnd, at(events.at(-1)!));
    }
    expect(leaves).toBeGreaterThan(1);
    expect(concurrency).toBe(50);
    // …and they did run at once: every one had started before the first ended.
    expect(lastStart).toBeLessThan(firstEnd);
  }, 600_000);
});

describe('priority', () => {
  it('dispatches higher-priority nodes first from a backlog (one activity slot, one partition)', async () => {
    const single = await startStack({ name: 'priority', maxActivities: 1 });
    try {
      // Run A holds the only activity slot while run B's nodes queue up in the backlog.
      const blocker = await single.createFlow({
        name: uniqueName('blocker'),
        nodes: [{ id: 'hold', type: 'echo', params: { durationMs: 3000 } }],
      });
      const a = await single.start(blocker);
      await single.waitForRun(a.runId, (r) => r.nodes.hold?.status === 'running');
      const name = await single.createFlow({
        name: uniqueName('prio'),
        nodes: [5, 4, 3, 2, 1, 4, 2].map((p, i) => ({
          id: `p${p}-${i}`,
          type: 'echo',
          params: { value: p },
          priority: p,
        })),
      });
      const { runId, workflowId } = await single.start(name);
      const handle = single.client.workflow.getHandle(workflowId);
      for (let i = 0; (await handle.describe()).raw.pendingActivities?.length !== 7; i++) {
        if (i > 200) throw new Error('activities were never scheduled');
        await new Promise((r) => setTimeout(r, 50));
      }
      expect((await single.api('GET', `/api/v1/runs/${a.runId}`)).body.nodes.hold.status).toBe('running');
      await single.waitForRun(runId, (r) => r.status === 'completed');
      const events = await readStream(single.baseUrl, runId);
      const order = events.filter((e) => e.event === 'node.started').map((e) => Number(e.data.nodeId.slice(1, 2)));
      expect(order).toEqual([1, 2, 2, 3, 4, 4, 5]);
    } finally {
      await single.stop();
    }
  });
});
