import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStack, uniqueName, type Stack } from '../helpers/stack.js';
import { readStream } from '../helpers/sse.js';

let stack: Stack;
beforeAll(async () => {
  stack = await startStack({ name: 'foundation' });
});
afterAll(async () => stack?.stop());

const helloFlow = (name: string) => ({
  name,
  nodes: [
    { id: 'in', type: 'input' },
    { id: 'work', type: 'echo', params: { value: '{{in.name}}', durationMs: 10 } },
    { id: 'out', type: 'output', params: { name: 'greeting', value: 'Hello, {{work}}!' } },
  ],
  edges: [
    { source: 'in', target: 'work' },
    { source: 'work', target: 'out' },
  ],
});

describe('the vertical slice', () => {
  it('stores a flow, runs it on Temporal and reads the result', async () => {
    const name = uniqueName('hello');
    const created = await stack.api('POST', '/api/v1/flows', helloFlow(name));
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ name, version: 1 });
    expect(created.body.id).toMatch(/^[0-9a-f-]{36}$/);

    const fetched = await stack.api('GET', `/api/v1/flows/${name}`);
    expect(fetched.status).toBe(200);
    expect(fetched.body.definition.nodes).toHaveLength(3);

    const started = await stack.api('POST', `/api/v1/flows/${name}/runs`, { inputs: { name: 'Ada' } });
    expect(started.status).toBe(202);
    expect(started.body).toMatchObject({ flowId: created.body.id, flowVersion: 1, status: 'running' });
    expect(started.body.workflowId).toBe(`run-${started.body.runId}`);
    expect(started.body.links.temporalUi).toContain(`/workflows/run-${started.body.runId}`);

    const run = await stack.waitForRun(started.body.runId, (r) => r.status === 'completed');
    expect(run.outputs).toEqual({ greeting: 'Hello, Ada!' });
    expect(run.nodes.work).toMatchObject({ status: 'completed', attempts: 1, output: 'Ada' });

    const handle = stack.client.workflow.getHandle(started.body.workflowId);
    await handle.result();
    const description = await handle.describe();
    expect(description.type).toBe('runFlow');
    expect(description.taskQueue).toBe(stack.taskQueue);
    expect(description.status.name).toBe('COMPLETED');
  });

  it('streams every event of a run in order, ending with run.completed', async () => {
    const name = await stack.createFlow(helloFlow(uniqueName('stream')));
    const run = await stack.run(name, { inputs: { name: 'Grace' } });
    const events = await readStream(stack.baseUrl, run.runId);
    expect(events.map((e) => e.id)).toEqual(events.map((_, i) => i + 1));
    expect(events[0].event).toBe('run.started');
    expect(events.at(-1)!.event).toBe('run.completed');
    for (const e of events) expect(e.data).toMatchObject({ runId: run.runId, type: e.event });
    expect(
      events
        .filter((e) => e.event === 'node.completed')
        .map((e) => e.data.nodeId)
        .sort(),
    ).toEqual(['in', 'out', 'work']);
  });

  it('a new version is immutable and a run is pinned to the version it started with', async () => {
    const name = await stack.createFlow(helloFlow(uniqueName('versions')));
    const v2 = helloFlow(name);
    v2.nodes[2].params = { name: 'greeting', value: 'Bye, {{work}}!' };
    const put = await stack.api('PUT', `/api/v1/flows/${name}`, v2);
    expect(put.status).toBe(200);
    expect(put.body.version).toBe(2);
    const pinned = await stack.run(name, { inputs: { name: 'Lin' }, version: 1 });
    expect(pinned).toMatchObject({ flowVersion: 1, outputs: { greeting: 'Hello, Lin!' } });
    const latest = await stack.run(name, { inputs: { name: 'Lin' } });
    expect(latest).toMatchObject({ flowVersion: 2, outputs: { greeting: 'Bye, Lin!' } });
    await expect(stack.sql`UPDATE flow_versions SET definition = '{}'::jsonb`).rejects.toThrow(/immutable/);
  });

  it('answers readiness, 404 and 409 in the contract shape', async () => {
    expect((await stack.api('GET', '/healthz')).status).toBe(200);
    const ready = await stack.api('GET', '/readyz');
    expect(ready).toMatchObject({ status: 200, body: { postgres: 'ok', temporal: 'ok' } });
    const missing = await stack.api('GET', '/api/v1/flows/no-such-flow');
    expect(missing).toMatchObject({ status: 404, body: { error: { code: 'not_found' } } });
    expect((await stack.api('GET', '/api/v1/runs/nope')).status).toBe(404);
    const name = await stack.createFlow(helloFlow(uniqueName('dup')));
    const dup = await stack.api('POST', '/api/v1/flows', helloFlow(name));
    expect(dup).toMatchObject({ status: 409, body: { error: { code: 'conflict' } } });
  });
});
