import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStack, uniqueName, type Stack } from '../helpers/stack.js';
import { readStream } from '../helpers/sse.js';
import { startHttpServer, type TestServer } from '../helpers/http-server.js';

let stack: Stack;
let flaky: TestServer;
beforeAll(async () => {
  flaky = await startHttpServer((req, res, _body, n) => {
    if (req.url?.startsWith('/flaky') && n <= 2) {
      res.writeHead(503).end('try again');
    } else if (req.url?.startsWith('/missing')) {
      res.writeHead(404).end('nope');
    } else {
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ ok: true, n }));
    }
  });
  stack = await startStack({ name: 'interp', httpAllowHosts: [flaky.host] });
});
afterAll(async () => {
  await stack?.stop();
  await flaky?.close();
});

const fast = { initialInterval: '50ms', backoffCoefficient: 1, maximumAttempts: 3 };

describe('scheduling', () => {
  it('runs parallel branches as parallel activities: every branch starts before the first finishes', async () => {
    const branches = ['a', 'b', 'c', 'd'];
    const name = await stack.createFlow({
      name: uniqueName('parallel'),
      nodes: [
        { id: 'in', type: 'input' },
        ...branches.map((id) => ({ id, type: 'echo', params: { value: id, durationMs: 1500 } })),
        { id: 'join', type: 'transform', params: { expression: '[a, b, c, d]' } },
        { id: 'out', type: 'output', params: { value: '{{join}}' } },
      ],
      edges: [
        ...branches.flatMap((id) => [
          { source: 'in', target: id },
          { source: id, target: 'join' },
        ]),
        { source: 'join', target: 'out' },
      ],
    });
    const run = await stack.run(name);
    expect(run.status).toBe('completed');
    expect(run.outputs.out).toEqual(['a', 'b', 'c', 'd']);
    const events = await readStream(stack.baseUrl, run.runId);
    const seqOf = (type: string, id: string) => events.find((e) => e.event === type && e.data.nodeId === id)!.id;
    const lastStart = Math.max(...branches.map((id) => seqOf('node.started', id)));
    const firstEnd = Math.min(...branches.map((id) => seqOf('node.completed', id)));
    expect(lastStart).toBeLessThan(firstEnd);
    const startedAt = branches.map((id) => Date.parse(run.nodes[id].startedAt));
    const endedAt = branches.map((id) => Date.parse(run.nodes[id].endedAt));
    expect(Math.max(...startedAt)).toBeLessThan(Math.min(...endedAt));
  });

  it('starts a node as soon as its own inputs are done, with no layer barrier', async () => {
    const name = await stack.createFlow({
      name: uniqueName('nobarrier'),
      nodes: [
        { id: 'slow', type: 'echo', params: { durationMs: 2500 } },
        { id: 'quick', type: 'echo', params: { durationMs: 10 } },
        { id: 'afterQuick', type: 'echo', params: { durationMs: 10 } },
      ],
      edges: [{ source: 'quick', target: 'afterQuick' }],
    });
    const run = await stack.run(name);
    expect(Date.parse(run.nodes.afterQuick.endedAt)).toBeLessThan(Date.parse(run.nodes.slow.endedAt));
  });
});

describe('retries and timeouts', () => {
  it('retries a 503 twice and completes on the third attempt', async () => {
    const name = await stack.createFlow({
      name: uniqueName('retry'),
      nodes: [{ id: 'call', type: 'http', params: { url: `${flaky.url}/flaky-${Date.now()}` }, retry: fast }],
    });
    flaky.requests.length = 0;
    const run = await stack.run(name);
    expect(run.status).toBe('completed');
    expect(run.nodes.call).toMatchObject({
      status: 'completed',
      attempts: 3,
      output: { status: 200, body: { ok: true, n: 3 } },
    });
    const events = await readStream(stack.baseUrl, run.runId);
    expect(events.filter((e) => e.event === 'node.retrying').map((e) => e.data.attempt)).toEqual([1, 2]);
  });

  it('does not retry a 404', async () => {
    const name = await stack.createFlow({
      name: uniqueName('noretry'),
      nodes: [{ id: 'call', type: 'http', params: { url: `${flaky.url}/missing` }, retry: fast }],
    });
    const run = await stack.run(name);
    expect(run.status).toBe('failed');
    expect(run.nodes.call).toMatchObject({ status: 'failed', attempts: 1, error: { type: 'HttpClientError' } });
    expect(run.error).toMatchObject({ nodeId: 'call', message: expect.stringContaining('404') });
  });

  it('fails a node that runs past its timeout', async () => {
    const name = await stack.createFlow({
      name: uniqueName('timeout'),
      nodes: [
        { id: 'slow', type: 'echo', params: { durationMs: 5000 }, timeout: '500ms', retry: { maximumAttempts: 1 } },
      ],
    });
    const run = await stack.run(name);
    expect(run.status).toBe('failed');
    expect(run.nodes.slow.status).toBe('failed');
    expect(run.nodes.slow.error.message).toMatch(/timed out/i);
  });
});

describe('failure policy', () => {
  it('onError "fail" cancels running siblings and fails the run', async () => {
    const name = await stack.createFlow({
      name: uniqueName('failfast'),
      nodes: [
        { id: 'boom', type: 'echo', params: { durationMs: 300, fail: 'kaboom' } },
        { id: 'long', type: 'echo', params: { durationMs: 30_000 } },
        { id: 'after', type: 'echo', params: {} },
      ],
      edges: [{ source: 'long', target: 'after' }],
    });
    const run = await stack.run(name);
    expect(run.status).toBe('failed');
    expect(run.error).toMatchObject({ nodeId: 'boom', message: 'kaboom' });
    expect(run.nodes.long.status).toBe('cancelled');
    expect(run.nodes.after.status).toBe('cancelled');
    const events = await readStream(stack.baseUrl, run.runId);
    expect(events.map((e) => e.event)).toContain('node.cancelled');
    expect(events.at(-1)!.event).toBe('run.failed');
  });

  it('onError "continue" skips only the descendants', async () => {
    const name = await stack.createFlow({
      name: uniqueName('continue'),
      nodes: [
        { id: 'bad', type: 'echo', params: { fail: 'nope' }, onError: 'continue' },
        { id: 'child', type: 'echo', params: {} },
        { id: 'grandchild', type: 'echo', params: {} },
        { id: 'other', type: 'echo', params: { value: 1 } },
        { id: 'out', type: 'output', params: { value: '{{other}}' } },
      ],
      edges: [
        { source: 'bad', target: 'child' },
        { source: 'child', target: 'grandchild' },
        { source: 'other', target: 'out' },
      ],
    });
    const run = await stack.run(name);
    expect(run.status).toBe('completed');
    expect(run.nodes.bad.status).toBe('failed');
    expect(run.nodes.child.status).toBe('skipped');
    expect(run.nodes.grandchild.status).toBe('skipped');
    expect(run.nodes.other.status).toBe('completed');
    expect(run.outputs).toEqual({ out: 1 });
  });
});

describe('control flow', () => {
  const branching = (name: string) => ({
    name,
    nodes: [
      { id: 'in', type: 'input' },
      { id: 'big', type: 'condition', params: { expression: 'inputs.n > 10' } },
      { id: 'yes', type: 'template', params: { template: 'big {{in.n}}' } },
      { id: 'no', type: 'template', params: { template: 'small {{in.n}}' } },
      { id: 'onlyYes', type: 'echo', params: { value: 'y' } },
      { id: 'merge', type: 'transform', params: { expression: '$exists(yes) ? yes : no' } },
      { id: 'out', type: 'output', params: { value: '{{merge}}' } },
    ],
    edges: [
      { source: 'in', target: 'big' },
      { source: 'big', target: 'yes', sourceHandle: 'true' },
      { source: 'big', target: 'no', sourceHandle: 'false' },
      { source: 'yes', target: 'onlyYes' },
      { source: 'yes', target: 'merge' },
      { source: 'no', target: 'merge' },
      { source: 'merge', target: 'out' },
    ],
  });

  it('takes one branch of a condition, skips the other and its descendants, and runs the merge', async () => {
    const name = await stack.createFlow(branching(uniqueName('cond')));
    const small = await stack.run(name, { inputs: { n: 3 } });
    expect(small.status).toBe('completed');
    expect(small.nodes.big.output).toEqual({ value: false });
    expect(small.nodes.yes.status).toBe('skipped');
    expect(small.nodes.onlyYes.status).toBe('skipped');
    expect(small.outputs.out).toBe('small 3');
    const big = await stack.run(name, { inputs: { n: 30 } });
    expect(big.nodes.no.status).toBe('skipped');
    expect(big.nodes.onlyYes.status).toBe('completed');
    expect(big.outputs.out).toBe('big 30');
  });

  it('runs a durable delay as a workflow timer', async () => {
    const name = await stack.createFlow({
      name: uniqueName('delay'),
      nodes: [
        { id: 'wait', type: 'delay', params: { duration: '300ms' } },
        { id: 'after', type: 'echo', params: { value: 'done' } },
      ],
      edges: [{ source: 'wait', target: 'after' }],
    });
    const run = await stack.run(name);
    expect(run.status).toBe('completed');
    const history = await stack.client.workflow.getHandle(run.workflowId).fetchHistory();
    const types = history.events!.map((e) => e.eventType);
    expect(types).toContain(3 * 0 + 17); // TIMER_STARTED
    expect(
      history
        .events!.filter((e) => e.activityTaskScheduledEventAttributes)
        .map((e) => e.activityTaskScheduledEventAttributes!.activityType!.name),
    ).toEqual(['echo']);
  });

  it('runs a nested loop inside a subflow, outputs in item order', async () => {
    const inner = await stack.createFlow({
      name: uniqueName('inner'),
      nodes: [
        { id: 'in', type: 'input' },
        {
          id: 'each',
          type: 'loop',
          params: {
            items: '{{in.rows}}',
            concurrency: 3,
            body: {
              nodes: [
                { id: 'row', type: 'input', params: { name: 'item' } },
                { id: 'double', type: 'transform', params: { expression: '$number(row.qty) * 2' } },
                { id: 'result', type: 'output', params: { value: '{{row.name}}:{{double}}' } },
              ],
              edges: [
                { source: 'row', target: 'double' },
                { source: 'double', target: 'result' },
              ],
            },
          },
        },
        { id: 'out', type: 'output', params: { name: 'lines', value: '{{each}}' } },
      ],
      edges: [
        { source: 'in', target: 'each' },
        { source: 'each', target: 'out' },
      ],
    });
    const outer = await stack.createFlow({
      name: uniqueName('outer'),
      nodes: [
        { id: 'csv', type: 'input', params: { name: 'csv' } },
        { id: 'sub', type: 'subflow', params: { flow: inner, inputs: { rows: '{{csv}}' } } },
        { id: 'out', type: 'output', params: { value: '{{sub.lines}}' } },
      ],
      edges: [
        { source: 'csv', target: 'sub' },
        { source: 'sub', target: 'out' },
      ],
    });
    const csv = 'name,qty\napple,1\npear,2\nplum,3\nfig,4\nkiwi,5\n';
    const run = await stack.run(outer, { inputs: { csv } });
    expect(run.error).toBeUndefined();
    expect(run.status).toBe('completed');
    expect(run.outputs.out).toEqual(['apple:2', 'pear:4', 'plum:6', 'fig:8', 'kiwi:10'].map((result) => ({ result })));
  });

  /** input → loop over `in.items` of a body n → work → result, where `work` is an echo with `params`. */
  const loopOf = (name: string, work: Record<string, unknown>, concurrency: number) => ({
    name,
    nodes: [
      { id: 'in', type: 'input' },
      {
        id: 'each',
        type: 'loop',
        params: {
          items: '{{in.items}}',
          concurrency,
          body: {
            nodes: [
              { id: 'n', type: 'input', params: { name: 'item' } },
              { id: 'work', type: 'echo', ...work },
              { id: 'result', type: 'output', params: { value: '{{work}}' } },
            ],
            edges: [
              { source: 'n', target: 'work' },
              { source: 'work', target: 'result' },
            ],
          },
        },
      },
    ],
    edges: [{ source: 'in', target: 'each' }],
  });

  it('fails a loop with the item and the node that failed, not as cancelled', async () => {
    // A body that runs one node at a time has no cancellation scope of its own in a lean run: its
    // failure must still be reported as the item's failure.
    const name = await stack.createFlow(
      loopOf(uniqueName('loop-fails'), { params: { fail: 'always' }, retry: { maximumAttempts: 1 } }, 1),
    );
    const run = await stack.run(name, { inputs: { items: [1, 2, 3] } });
    expect(run.status).toBe('failed');
    expect(run.nodes.each.status).toBe('failed');
    expect(run.nodes.each.error.message).toMatch(/item 0: node "work" failed/);
  });

  it('cancels a loop whose items are running: the run ends cancelled', async () => {
    const name = await stack.createFlow(loopOf(uniqueName('loop-cancel'), { params: { durationMs: 60_000 } }, 3));
    const { runId } = await stack.start(name, { inputs: { items: [1, 2, 3] } });
    await stack.waitForRun(runId, (r) => r.nodes.each?.status === 'running');
    // Every item's echo is running in the loop's child workflow before the cancel (a started
    // activity shows in history only once it ends: ask for the pending ones).
    const child = await stack.waitForRunningActivities(`loop-${runId}.each-0-3`, 3);
    expect((await stack.api('POST', `/api/v1/runs/${runId}/cancel`)).status).toBe(202);
    // The items' nodes settle as cancelled, the loop's child workflow ends cancelled (not failed
    // with "item 0: cancelled"), and so does the loop node: the run ends cancelled.
    const run = await stack.waitForRun(runId, (r) => r.status === 'cancelled');
    expect((await child.describe()).status.name).toBe('CANCELLED');
    expect(run.nodes.each).toMatchObject({ status: 'cancelled' });
    const events = await readStream(stack.baseUrl, runId);
    expect(events.filter((e) => e.data.nodeId === 'each').map((e) => e.event)).toEqual([
      'node.started',
      'node.cancelled',
    ]);
    expect(events.at(-1)!.event).toBe('run.cancelled');
  });

  it('cancels a loop split into child loops: every child ends cancelled, none terminated', async () => {
    // 600 items: two child loops (500 + 100), two items running in each when the run is cancelled.
    const name = await stack.createFlow(
      loopOf(uniqueName('loop-cancel-nested'), { params: { durationMs: 60_000 } }, 4),
    );
    const items = Array.from({ length: 600 }, (_, i) => i);
    const { runId } = await stack.start(name, { inputs: { items } });
    const leaves = [];
    for (const offset of [0, 500])
      leaves.push(await stack.waitForRunningActivities(`loop-${runId}.each-0-600.${offset}`, 2));
    expect((await stack.api('POST', `/api/v1/runs/${runId}/cancel`)).status).toBe(202);
    const run = await stack.waitForRun(runId, (r) => r.status === 'cancelled');
    expect(run.nodes.each).toMatchObject({ status: 'cancelled' });
    const middle = stack.client.workflow.getHandle(`loop-${runId}.each-0-600`);
    for (const handle of [middle, ...leaves]) {
      await handle.result().catch(() => undefined);
      expect((await handle.describe()).status.name, handle.workflowId).toBe('CANCELLED');
    }
  });

  it('fails a loop whose workflow was cancelled from outside while the run went on', async () => {
    // Cancelling the loop's child in the Temporal UI must not let the run complete without the loop.
    const flow = loopOf(uniqueName('loop-cancel-outside'), { params: { durationMs: 60_000 } }, 2);
    flow.nodes.push({ id: 'after', type: 'output', params: { value: '{{each}}' } } as never);
    flow.edges.push({ source: 'each', target: 'after' });
    const name = await stack.createFlow(flow);
    const { runId } = await stack.start(name, { inputs: { items: [1, 2] } });
    const child = await stack.waitForRunningActivities(`loop-${runId}.each-0-2`, 2);
    await child.cancel();
    const run = await stack.waitForRun(runId, (r) => ['completed', 'failed', 'cancelled'].includes(r.status));
    expect(run.status).toBe('failed');
    expect(run.nodes.each).toMatchObject({
      status: 'failed',
      error: { type: 'ChildCancelled', message: expect.stringContaining('cancelled while the run went on') },
    });
    expect(run.nodes.after.status).not.toBe('completed');
  });

  it('fails a loop one of whose child loops was cancelled from outside', async () => {
    const name = await stack.createFlow(
      loopOf(uniqueName('loop-chunk-outside'), { params: { durationMs: 60_000 } }, 4),
    );
    const { runId } = await stack.start(name, { inputs: { items: Array.from({ length: 600 }, (_, i) => i) } });
    const chunk = await stack.waitForRunningActivities(`loop-${runId}.each-0-600.500`, 2);
    await chunk.cancel();
    const run = await stack.waitForRun(runId, (r) => ['completed', 'failed', 'cancelled'].includes(r.status));
    expect(run.status).toBe('failed');
    expect(run.nodes.each).toMatchObject({
      status: 'failed',
      error: { type: 'ChildCancelled', message: expect.stringContaining('items 500–599') },
    });
  });

  it('fails a subflow whose run was cancelled on its own while the parent went on', async () => {
    const inner = await stack.createFlow({
      name: uniqueName('sub-long'),
      nodes: [{ id: 'long', type: 'echo', params: { durationMs: 60_000 } }],
    });
    const name = await stack.createFlow({
      name: uniqueName('sub-cancel-outside'),
      nodes: [
        { id: 'sub', type: 'subflow', params: { flow: inner } },
        { id: 'after', type: 'output', params: { value: '{{sub}}' } },
      ],
      edges: [{ source: 'sub', target: 'after' }],
    });
    const { runId } = await stack.start(name);
    const started = await stack.waitForRun(runId, (r) => r.nodes.sub?.status === 'running');
    const childRunId = started.nodes.sub.output?.childRunId ?? `${runId}.sub`;
    await stack.waitForRun(childRunId, (r) => r.nodes.long?.status === 'running');
    expect((await stack.api('POST', `/api/v1/runs/${childRunId}/cancel`)).status).toBe(202);
    const run = await stack.waitForRun(runId, (r) => ['completed', 'failed', 'cancelled'].includes(r.status));
    expect(run.status).toBe('failed');
    expect(run.nodes.sub).toMatchObject({ status: 'failed', error: { type: 'ChildCancelled' } });
  });
});

describe('approvals', () => {
  const approvalFlow = (name: string, timeout = '1m') => ({
    name,
    nodes: [
      { id: 'ask', type: 'approval', params: { timeout, message: 'ship it?' } },
      { id: 'out', type: 'output', params: { value: '{{ask}}' } },
    ],
    edges: [{ source: 'ask', target: 'out' }],
  });

  it('waits, refuses a decision for a node that is not waiting (409), then takes the approval', async () => {
    const name = await stack.createFlow(approvalFlow(uniqueName('approve')));
    const { runId } = await stack.start(name);
    const waiting = await stack.waitForRun(runId, (r) => r.nodes.ask?.status === 'waiting');
    expect(waiting.status).toBe('waiting');
    expect((await stack.api('POST', `/api/v1/runs/${runId}/approvals/out`, { approved: true })).status).toBe(409);
    const decided = await stack.api('POST', `/api/v1/runs/${runId}/approvals/ask`, { approved: true, comment: 'lgtm' });
    expect(decided).toMatchObject({ status: 200, body: { approved: true, comment: 'lgtm' } });
    expect((await stack.api('POST', `/api/v1/runs/${runId}/approvals/ask`, { approved: false })).status).toBe(409);
    const done = await stack.waitForRun(runId, (r) => r.status === 'completed');
    expect(done.outputs.out).toMatchObject({ approved: true, comment: 'lgtm' });
  });

  it('records a rejection as the node output', async () => {
    const name = await stack.createFlow(approvalFlow(uniqueName('reject')));
    const { runId } = await stack.start(name);
    await stack.waitForRun(runId, (r) => r.nodes.ask?.status === 'waiting');
    await stack.api('POST', `/api/v1/runs/${runId}/approvals/ask`, { approved: false, comment: 'not today' });
    const done = await stack.waitForRun(runId, (r) => r.status === 'completed');
    expect(done.nodes.ask.output).toEqual({ approved: false, comment: 'not today', by: null });
  });

  it('fails the node when nobody decides in time', async () => {
    const name = await stack.createFlow(approvalFlow(uniqueName('expire'), '400ms'));
    const run = await stack.run(name);
    expect(run.status).toBe('failed');
    expect(run.nodes.ask).toMatchObject({ status: 'failed', error: { type: 'ApprovalTimedOut' } });
  });
});

describe('cancellation', () => {
  it('cancels a run: status cancelled, running nodes cancelled', async () => {
    const name = await stack.createFlow({
      name: uniqueName('cancel'),
      nodes: [{ id: 'long', type: 'echo', params: { durationMs: 60_000 } }],
    });
    const { runId } = await stack.start(name);
    await stack.waitForRun(runId, (r) => r.nodes.long?.status === 'running');
    expect((await stack.api('POST', `/api/v1/runs/${runId}/cancel`)).status).toBe(202);
    const run = await stack.waitForRun(runId, (r) => r.status === 'cancelled');
    expect(run.nodes.long.status).toBe('cancelled');
    const events = await readStream(stack.baseUrl, runId);
    expect(events.at(-1)!.event).toBe('run.cancelled');
    const handle = stack.client.workflow.getHandle(run.workflowId);
    await handle.result().catch(() => undefined);
    expect((await handle.describe()).status.name).toBe('CANCELLED');
  });
});

describe('large values', () => {
  it('passes a 5 MiB node output downstream by reference', async () => {
    const name = await stack.createFlow({
      name: uniqueName('big'),
      nodes: [
        { id: 'big', type: 'echo', params: { sizeBytes: 5 * 1024 * 1024 } },
        { id: 'size', type: 'transform', params: { expression: '$length(big)' } },
        { id: 'out', type: 'output', params: { name: 'size', value: '{{size}}' } },
      ],
      edges: [
        { source: 'big', target: 'size' },
        { source: 'size', target: 'out' },
      ],
    });
    const run = await stack.run(name);
    expect(run.status).toBe('completed');
    expect(run.outputs.size).toBe(5 * 1024 * 1024);
    expect(run.nodes.big.output).toHaveLength(5 * 1024 * 1024);
    const history = await stack.client.workflow.getHandle(run.workflowId).fetchHistory();
    const historyBytes = JSON.stringify(history).length;
    expect(historyBytes).toBeLessThan(1024 * 1024);
  });

  it('keeps a large run input out of the activities that never read it', async () => {
    const doc = 'x'.repeat(64 * 1024);
    const name = await stack.createFlow({
      name: uniqueName('big-input'),
      nodes: [
        { id: 'plain', type: 'echo', params: { value: 'no inputs here' } },
        { id: 'named', type: 'echo', params: { value: '{{inputs.title}}' } },
        { id: 'count', type: 'transform', params: { expression: '$length(inputs.doc)' } },
      ],
    });
    const run = await stack.run(name, { inputs: { doc, title: 'Report' } });
    expect(run.status).toBe('completed');
    expect(run.nodes.named.output).toBe('Report');
    expect(run.nodes.count.output).toBe(64 * 1024);
    const history = await stack.client.workflow.getHandle(run.workflowId).fetchHistory();
    const scopes = new Map(
      (history.events ?? []).flatMap((e) => {
        const a = e.activityTaskScheduledEventAttributes;
        if (!a) return [];
        const input = JSON.parse(Buffer.from(a.input!.payloads![0].data!).toString());
        return [[a.activityId!, input.scope as Record<string, unknown>]];
      }),
    );
    // Before, every node activity carried the run's inputs: 64 KiB more history per node.
    expect(scopes.get('plain')).toEqual({});
    expect(scopes.get('named')).toEqual({ inputs: { doc, title: 'Report' } });
  });
});
