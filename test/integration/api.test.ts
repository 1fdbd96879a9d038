import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { startStack, uniqueName, type Stack } from '../helpers/stack.js';
import { readStream } from '../helpers/sse.js';

let stack: Stack;
beforeAll(async () => {
  stack = await startStack({ name: 'api', bodyLimit: '100kb', keepAliveMs: 200 });
});
afterAll(async () => stack?.stop());

const echoFlow = (name: string, ms = 10) => ({
  name,
  nodes: [
    { id: 'in', type: 'input' },
    { id: 'work', type: 'echo', params: { value: '{{in}}', durationMs: ms } },
    { id: 'out', type: 'output', params: { value: '{{work}}' } },
  ],
  edges: [
    { source: 'in', target: 'work' },
    { source: 'work', target: 'out' },
  ],
});

describe('errors in the contract shape', () => {
  it('400 for malformed JSON, 413 for an oversized body, 404 for unknown routes', async () => {
    const malformed = await stack.api('POST', '/api/v1/flows', '{"name": ');
    expect(malformed).toMatchObject({ status: 400, body: { error: { code: 'invalid_json' } } });
    const big = await stack.api('POST', '/api/v1/flows', {
      name: 'big',
      nodes: [{ id: 'a', type: 'echo', params: { value: 'x'.repeat(200_000) } }],
    });
    expect(big).toMatchObject({ status: 413, body: { error: { code: 'payload_too_large' } } });
    expect((await stack.api('GET', '/api/v1/nothing-here')).body.error.code).toBe('not_found');
  });

  it('400 for an invalid run request, with JSON paths', async () => {
    const name = await stack.createFlow(echoFlow(uniqueName('badrun')));
    const res = await stack.api('POST', `/api/v1/flows/${name}/runs`, { inputs: 5, priority: 9, extra: true });
    expect(res.status).toBe(400);
    expect(res.body.error.details.map((d: { path: string }) => d.path).sort()).toEqual(['$', '$.inputs', '$.priority']);
    const tweak = await stack.api('POST', `/api/v1/flows/${name}/runs`, { tweaks: { ghost: { a: 1 } } });
    expect(tweak.body.error.details).toEqual([
      { path: '$.tweaks["ghost"]', message: expect.stringContaining('no node') },
    ]);
  });

  it('serves its OpenAPI document', async () => {
    const doc = await stack.api('GET', '/api/v1/openapi.json');
    expect(doc.status).toBe(200);
    expect(Object.keys(doc.body.paths)).toEqual(
      expect.arrayContaining(['/api/v1/flows', '/api/v1/runs/{runId}/events', '/api/v1/runs/{runId}/rerun']),
    );
    expect(doc.body.components.schemas.FlowDefinition.properties.nodes.type).toBe('array');
  });
});

describe('runs', () => {
  it('returns the same run for the same idempotencyKey, also after it completed', async () => {
    const name = await stack.createFlow(echoFlow(uniqueName('idem')));
    const [a, b] = await Promise.all([
      stack.api('POST', `/api/v1/flows/${name}/runs`, { inputs: { n: 1 }, idempotencyKey: 'order-42' }),
      stack.api('POST', `/api/v1/flows/${name}/runs`, { inputs: { n: 1 }, idempotencyKey: 'order-42' }),
    ]);
    expect(a.body.runId).toBe(b.body.runId);
    await stack.waitForRun(a.body.runId, (r) => r.status === 'completed');
    const again = await stack.api('POST', `/api/v1/flows/${name}/runs`, {
      inputs: { n: 1 },
      idempotencyKey: 'order-42',
    });
    expect(again.body.runId).toBe(a.body.runId);
    const other = await stack.api('POST', `/api/v1/flows/${name}/runs`, { idempotencyKey: 'order-43' });
    expect(other.body.runId).not.toBe(a.body.runId);
  });

  it('starts runs from webhooks with the body as inputs', async () => {
    const name = await stack.createFlow(echoFlow(uniqueName('hook')));
    const res = await stack.api('POST', `/api/v1/webhooks/${name}`, { event: 'push', ref: 'main' });
    expect(res.status).toBe(202);
    const run = await stack.waitForRun(res.body.runId, (r) => r.status === 'completed');
    expect(run.outputs.out).toEqual({ event: 'push', ref: 'main' });
    expect(run.origin).toBe('webhook');
  });

  it('lists runs from Temporal visibility, filtered by flow and status', async () => {
    const name = await stack.createFlow(echoFlow(uniqueName('listed')));
    const run = await stack.run(name);
    let listed: any;
    for (let i = 0; i < 50; i++) {
      listed = await stack.api('GET', `/api/v1/runs?flow=${name}&status=completed`);
      if (listed.body.runs.length) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    expect(listed.body.runs).toEqual([
      expect.objectContaining({ runId: run.runId, flowName: name, flowVersion: 1, status: 'completed' }),
    ]);
    expect((await stack.api('GET', `/api/v1/runs?flow=${name}&status=failed`)).body.runs).toEqual([]);
  });

  it('answers for a closed run when no worker is running', async () => {
    const name = await stack.createFlow(echoFlow(uniqueName('noworker')));
    const run = await stack.run(name, { inputs: { x: 1 } });
    await stack.stopWorkers();
    try {
      const res = await stack.api('GET', `/api/v1/runs/${run.runId}`);
      expect(res).toMatchObject({ status: 200, body: { status: 'completed', outputs: { out: { x: 1 } } } });
    } finally {
      await stack.startWorker();
    }
  });
});

describe('without a worker', () => {
  it('answers for an open run from the event log, and the run goes on once a worker is back', async () => {
    const name = await stack.createFlow(echoFlow(uniqueName('parked')));
    await stack.stopWorkers();
    let runId: string;
    try {
      ({ runId } = await stack.start(name, { inputs: { x: 2 } }));
      const res = await stack.api('GET', `/api/v1/runs/${runId}`);
      expect(res).toMatchObject({ status: 200, body: { status: 'running', outputs: {} } });
      expect(res.body.nodes).toEqual({
        in: { status: 'pending', attempts: 0 },
        work: { status: 'pending', attempts: 0 },
        out: { status: 'pending', attempts: 0 },
      });
    } finally {
      await stack.startWorker();
    }
    const done = await stack.waitForRun(runId, (r) => r.status === 'completed');
    expect(done.outputs.out).toEqual({ x: 2 });
  });
});

describe('the event stream', () => {
  it('200 parallel nodes: no gap, no duplicate, and a live reader sees every event', async () => {
    const ids = Array.from({ length: 200 }, (_, i) => `n${i}`);
    const name = await stack.createFlow({
      name: uniqueName('wide'),
      nodes: [
        { id: 'start', type: 'input' },
        ...ids.map((id) => ({ id, type: 'echo', params: { value: id } })),
        { id: 'join', type: 'echo', params: {} },
      ],
      edges: ids.flatMap((id) => [
        { source: 'start', target: id },
        { source: id, target: 'join' },
      ]),
    });
    const { runId } = await stack.start(name);
    const live = await readStream(stack.baseUrl, runId);
    const after = await readStream(stack.baseUrl, runId);
    expect(live.map((e) => e.id)).toEqual(after.map((_, i) => i + 1));
    expect(after.map((e) => e.id)).toEqual(after.map((_, i) => i + 1));
    expect(after.filter((e) => e.event === 'node.completed')).toHaveLength(202);
    expect(after.at(-1)!.event).toBe('run.completed');
  });

  it('resumes with Last-Event-ID across an API restart: exactly the rest, nothing twice', async () => {
    const steps = Array.from({ length: 6 }, (_, i) => `s${i}`);
    const name = await stack.createFlow({
      name: uniqueName('resume'),
      nodes: steps.map((id) => ({ id, type: 'echo', params: { durationMs: 200 } })),
      edges: steps.slice(1).map((id, i) => ({ source: steps[i], target: id })),
    });
    const { runId } = await stack.start(name);
    const first = await readStream(stack.baseUrl, runId, { stopAfter: 5 });
    await stack.stopApi();
    await stack.startApi();
    const rest = await readStream(stack.baseUrl, runId, { lastEventId: first.at(-1)!.id });
    const full = await readStream(stack.baseUrl, runId);
    expect([...first, ...rest]).toEqual(full);
    expect(rest[0].id).toBe(first.at(-1)!.id + 1);
  });

  it('sends keep-alive comments and shares one LISTEN connection among many viewers', async () => {
    const name = await stack.createFlow(echoFlow(uniqueName('viewers'), 1500));
    const { runId } = await stack.start(name);
    let comments = 0;
    const viewers = Array.from({ length: 20 }, (_, i) =>
      readStream(stack.baseUrl, runId, i === 0 ? { onComment: () => comments++ } : {}),
    );
    await new Promise((r) => setTimeout(r, 500));
    const [{ n }] =
      await stack.sql`SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = ${stack.taskQueue} AND query ILIKE 'listen%'`;
    expect(n).toBe(1);
    const results = await Promise.all(viewers);
    for (const events of results) expect(events.at(-1)!.event).toBe('run.completed');
    expect(comments).toBeGreaterThan(0);
  });
});

describe('robustness', () => {
  it('never answers 5xx to random or malformed flows and run requests, and keeps serving', async () => {
    const name = await stack.createFlow(echoFlow(uniqueName('fuzz')));
    const node = fc.record(
      {
        id: fc.oneof(fc.string(), fc.constantFrom('a', 'b', 'c')),
        type: fc.oneof(fc.string(), fc.constantFrom('echo', 'http', 'loop', 'transform', 'condition', 'subflow')),
        params: fc.option(fc.jsonValue()),
      },
      { requiredKeys: [] },
    );
    const flow = fc.oneof(
      fc.jsonValue(),
      fc.record(
        {
          name: fc.oneof(fc.string(), fc.constant('fz')),
          nodes: fc.array(node, { maxLength: 6 }),
          edges: fc.array(
            fc.record({
              source: fc.constantFrom('a', 'b', 'c', 'x'),
              target: fc.constantFrom('a', 'b', 'c'),
              sourceHandle: fc.option(fc.string()),
            }),
            { maxLength: 6 },
          ),
        },
        { requiredKeys: [] },
      ),
    );
    const runRequest = fc.oneof(
      fc.jsonValue(),
      fc.record(
        {
          inputs: fc.jsonValue(),
          tweaks: fc.jsonValue(),
          version: fc.oneof(fc.integer(), fc.string()),
          priority: fc.integer(),
          idempotencyKey: fc.string(),
        },
        { requiredKeys: [] },
      ),
    );
    await fc.assert(
      fc.asyncProperty(flow, runRequest, async (def, req) => {
        const created = await stack.api('POST', '/api/v1/flows', JSON.stringify(def));
        expect(created.status).toBeLessThan(500);
        if (created.status >= 400) expect(created.body.error.code).toEqual(expect.any(String));
        const started = await stack.api('POST', `/api/v1/flows/${name}/runs`, JSON.stringify(req));
        expect(started.status).toBeLessThan(500);
      }),
      { numRuns: 150 },
    );
    expect((await stack.api('GET', '/healthz')).status).toBe(200);
  });
});

describe('API keys and rate limits', () => {
  it('401 without a key, 200 with Bearer or x-api-key, 429 past the limit', async () => {
    const secured = await startStack({ name: 'auth', apiKeys: ['k1', 'k2'], worker: false, rateLimitPerMinute: 5 });
    try {
      expect((await secured.api('GET', '/api/v1/flows')).status).toBe(401);
      expect((await secured.api('GET', '/api/v1/flows', undefined, { authorization: 'Bearer nope' })).status).toBe(401);
      expect((await secured.api('GET', '/api/v1/flows', undefined, { authorization: 'Bearer k1' })).status).toBe(200);
      expect((await secured.api('GET', '/api/v1/flows', undefined, { 'x-api-key': 'k2' })).status).toBe(200);
      expect((await secured.api('GET', '/healthz')).status).toBe(200);
      const statuses = [];
      for (let i = 0; i < 6; i++)
        statuses.push((await secured.api('GET', '/api/v1/flows', undefined, { authorization: 'Bearer k1' })).status);
      expect(statuses).toContain(429);
    } finally {
      await secured.stop();
    }
  });
});
