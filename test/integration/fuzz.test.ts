import { Agent, request as httpRequest } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { startStack, uniqueName, type Stack } from '../helpers/stack.js';

let stack: Stack;
const agent = new Agent({ keepAlive: true, maxSockets: 8 });
beforeAll(async () => {
  stack = await startStack({ name: 'fuzz', bodyLimit: '256kb' });
});
afterAll(async () => {
  agent.destroy();
  await stack?.stop();
});

interface Req {
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: string;
}

/** Sends exactly what was generated (Host, Origin, raw body) on a kept-alive connection. */
function send(r: Req): Promise<{ status: number; text: string }> {
  const url = new URL(stack.baseUrl);
  // A body always goes with its length (Node sends a DELETE's body unframed otherwise).
  if (r.body !== undefined)
    r = { ...r, headers: { ...r.headers, 'content-length': String(Buffer.byteLength(r.body)) } };
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      {
        host: url.hostname,
        port: url.port,
        method: r.method,
        path: r.path,
        headers: r.headers,
        agent,
        setHost: !('host' in r.headers),
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (d) => (text += d));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
      },
    );
    req.on('error', reject);
    // Nothing generated may block: a request that has no answer in 20 s fails the property.
    req.setTimeout(20_000, () => req.destroy(new Error(`no answer in 20 s: ${r.method} ${r.path}`)));
    req.end(r.body);
  });
}

/** Sets, deletes or deepens the value at one of a JSON value's paths (chosen by `pick`). */
function mutate(
  value: unknown,
  ops: { pick: number; kind: 'set' | 'delete' | 'wrap' | 'dup'; to: unknown }[],
): unknown {
  const root = { v: structuredClone(value) as unknown };
  for (const op of ops) {
    const slots: { parent: Record<string, unknown> | unknown[]; key: string | number }[] = [];
    const walk = (parent: Record<string, unknown> | unknown[], key: string | number, depth: number) => {
      slots.push({ parent, key });
      const v = (parent as Record<string | number, unknown>)[key];
      if (depth > 6 || v === null || typeof v !== 'object') return;
      if (Array.isArray(v)) v.forEach((_, i) => walk(v, i, depth + 1));
      else for (const k of Object.keys(v)) walk(v as Record<string, unknown>, k, depth + 1);
    };
    walk(root, 'v', 0);
    const slot = slots[op.pick % slots.length];
    const target = slot.parent as Record<string | number, unknown>;
    if (op.kind === 'set') target[slot.key] = op.to;
    else if (op.kind === 'wrap') {
      let deep: unknown = target[slot.key];
      for (let i = 0; i < 80; i++) deep = i % 2 ? [deep] : { x: deep };
      target[slot.key] = deep;
    } else if (op.kind === 'dup' && Array.isArray(target[slot.key]))
      (target[slot.key] as unknown[]).push(...(target[slot.key] as unknown[]));
    else if (Array.isArray(slot.parent)) slot.parent.splice(slot.key as number, 1);
    else delete target[slot.key];
  }
  return root.v;
}

describe('10,000 generated requests', () => {
  it('never answer 5xx, always answer a JSON error in the contract shape, and leave no run stuck', async () => {
    const port = new URL(stack.baseUrl).port;
    const echo = (name: string) => ({
      name,
      nodes: [
        { id: 'in', type: 'input' },
        { id: 'work', type: 'echo', params: { value: '{{in}}', durationMs: 5 } },
        { id: 'out', type: 'output', params: { value: '{{work}}' } },
      ],
      edges: [
        { source: 'in', target: 'work' },
        { source: 'work', target: 'out' },
      ],
    });
    // Runs start only from these (echo flows that finish at once); PUT and DELETE touch only `victim`.
    const startable = [
      await stack.createFlow(echo(uniqueName('fz-run'))),
      await stack.createFlow(echo(uniqueName('fz-hook'))),
    ];
    const victim = await stack.createFlow(echo(uniqueName('fz-victim')));
    const done = await stack.run(startable[0], { inputs: { seed: 1 } });
    const templates = [
      echo('fz-new'),
      {
        name: 'fz-loop',
        nodes: [
          {
            id: 'each',
            type: 'loop',
            params: { items: [1, 2], body: { nodes: [{ id: 'e', type: 'echo', params: { value: '{{item}}' } }] } },
          },
          { id: 'sub', type: 'subflow', params: { flow: startable[0], version: 1, inputs: { a: 1 } } },
          { id: 'if', type: 'condition', params: { expression: 'true' } },
          { id: 't', type: 'transform', params: { expression: '$count([1,2])' } },
        ],
        edges: [
          { source: 'each', target: 'if' },
          { source: 'if', target: 't', sourceHandle: 'true' },
        ],
      },
      { inputs: { a: 1, b: [1, 2, { c: 'x' }] }, tweaks: { work: { value: 'v' } }, idempotencyKey: 'k', priority: 2 },
      { approved: true, comment: 'ok', by: 'me' },
      { fromNode: 'work', inputs: { a: 1 } },
    ];
    const segment = (real: string[]) =>
      fc.oneof(
        { weight: 6, arbitrary: fc.constantFrom(...real) },
        { weight: 2, arbitrary: fc.string({ maxLength: 12 }).map(encodeURIComponent) },
        {
          weight: 2,
          arbitrary: fc.constantFrom(
            '%00',
            'a%00b',
            '%ZZ',
            '%E0%A4%A',
            '..',
            '%2e%2e',
            'a%2Fb',
            '99999999999',
            '-1',
            '%20',
            'x'.repeat(3000),
            '%F0%9F%92%A9',
            'null',
            '[]',
          ),
        },
      );
    const flowSeg = segment([...startable, victim, 'no-such-flow', '00000000-0000-0000-0000-000000000000']);
    const hookSeg = segment([...startable, 'no-such-flow']);
    const runSeg = segment([done.runId, 'abc', `${done.runId}.x`, 'f'.repeat(32)]);
    const nodeSeg = segment(['work', 'gate', 'in']);
    const path = fc.oneof(
      fc.constantFrom(
        '/api/v1/flows',
        '/api/v1/runs',
        '/api/v1/openapi.json',
        '/healthz',
        '/readyz',
        '/api/v1',
        '/',
        '/api/v2/flows',
      ),
      flowSeg.map((f) => `/api/v1/flows/${f}`),
      fc
        .tuple(
          fc.constantFrom(...startable, 'no-such-flow'),
          fc.constantFrom('', '?wait=0', '?wait=abc', '?wait=-1', '?wait=1e9', '?x=1'),
        )
        .map(([f, q]) => `/api/v1/flows/${f}/runs${q}`),
      flowSeg.map((f) => `/api/v1/flows/${f}/runs?wait=${'abc'}`),
      runSeg.map((r) => `/api/v1/runs/${r}`),
      fc
        .constantFrom('cancel', 'history', 'rerun', 'events')
        .chain((what) => runSeg.map((r) => `/api/v1/runs/${r}/${what}`)),
      fc.string({ maxLength: 8 }).map((r) => `/api/v1/runs/${encodeURIComponent(r)}/replay`),
      fc.tuple(runSeg, nodeSeg).map(([r, n]) => `/api/v1/runs/${r}/approvals/${n}`),
      hookSeg.map((f) => `/api/v1/webhooks/${f}`),
      fc
        .tuple(
          fc.constantFrom('flow', 'status', 'limit', 'version', 'wait', 'lastEventId'),
          fc.oneof(
            fc.string({ maxLength: 10 }),
            fc.constantFrom('a\\', "a'", '%00', '99999999999', '1', 'running', startable[0]),
          ),
        )
        .map(([k, v]) => `/api/v1/runs?${k}=${encodeURIComponent(v).replace('%2500', '%00')}`),
      fc
        .tuple(flowSeg, fc.oneof(fc.string({ maxLength: 6 }), fc.constantFrom('99999999999', '1', '0', '-3', '1.5')))
        .map(([f, v]) => `/api/v1/flows/${f}?version=${encodeURIComponent(v)}`),
    );
    const jsonBody = fc.oneof(
      {
        weight: 5,
        arbitrary: fc
          .tuple(
            fc.constantFrom(...templates),
            fc.array(
              fc.record({
                pick: fc.nat(),
                kind: fc.constantFrom('set', 'delete', 'wrap', 'dup'),
                to: fc.jsonValue({ maxDepth: 3 }),
              }),
              { maxLength: 4 },
            ),
          )
          .map(([t, ops]) => JSON.stringify(mutate(t, ops as never))),
      },
      { weight: 2, arbitrary: fc.jsonValue({ maxDepth: 4 }).map((v) => JSON.stringify(v)) },
      { weight: 1, arbitrary: fc.string({ maxLength: 50 }) },
      {
        weight: 1,
        arbitrary: fc.constantFrom(
          '{"a":"\\u0000"}',
          '{"a":',
          '['.repeat(5000),
          '{"inputs":{"s":"x\\u0000"}}',
          '{"version":99999999999}',
          JSON.stringify({ nodes: Array.from({ length: 1200 }, (_, i) => ({ id: `n${i}`, type: 'echo' })) }),
        ),
      },
    );
    const contentType = fc.oneof(
      { weight: 6, arbitrary: fc.constant('application/json') },
      {
        weight: 3,
        arbitrary: fc.constantFrom(
          'text/plain',
          'application/x-www-form-urlencoded',
          'multipart/form-data; boundary=x',
          'application/vnd.api+json',
          'application/json; charset=latin1',
          'garbage',
          '',
        ),
      },
    );
    const headers = fc.record(
      {
        host: fc.oneof(
          { weight: 12, arbitrary: fc.constantFrom(`127.0.0.1:${port}`, `localhost:${port}`, `[::1]:${port}`) },
          { weight: 1, arbitrary: fc.constantFrom('evil.example', `127.0.0.1:1`, `evil.example:${port}`, '') },
        ),
        origin: fc.oneof(
          { weight: 4, arbitrary: fc.constant(`http://127.0.0.1:${port}`) },
          { weight: 1, arbitrary: fc.constantFrom('http://evil.example', 'null', 'garbage') },
        ),
        'last-event-id': fc.oneof(fc.string({ maxLength: 20 }), fc.constantFrom('1', '99999999999999999999', '-1')),
        authorization: fc.constantFrom('Bearer x', 'Basic Zm9vOmJhcg==', ''),
        'x-api-key': fc.string({ maxLength: 10 }),
        'idempotency-key': fc.string({ maxLength: 300 }),
        'x-tempoflow-origin': fc.constantFrom('cli', 'api', 'x'),
      },
      { requiredKeys: ['host'] },
    );
    const request = fc
      .record({
        method: fc.constantFrom('GET', 'GET', 'POST', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS', 'HEAD'),
        path,
        headers,
        contentType: fc.option(contentType, { nil: undefined }),
        body: fc.option(jsonBody, { nil: undefined }),
      })
      .map(({ method, path, headers, contentType, body }): Req => {
        const h: Record<string, string> = {};
        for (const [k, v] of Object.entries(headers)) if (v !== '') h[k] = v.replace(/[^\t\x20-\x7e]/g, '');
        if (contentType !== undefined && contentType !== '') h['content-type'] = contentType;
        // PUT and DELETE only ever reach the victim flow, so startable flows stay echo flows.
        const safePath =
          (method === 'PUT' || method === 'DELETE') && path.startsWith('/api/v1/flows/')
            ? `/api/v1/flows/${victim}`
            : path;
        return { method, path: safePath, headers: h, body: method === 'GET' || method === 'HEAD' ? undefined : body };
      });

    let count = 0;
    const statuses = new Map<number, number>();
    await fc.assert(
      fc.asyncProperty(fc.array(request, { minLength: 5, maxLength: 5 }), async (batch) => {
        for (const r of batch) {
          const res = await send(r);
          count++;
          statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
          expect({ request: r, status: res.status, body: res.text.slice(0, 300) }).toMatchObject({
            status: expect.any(Number),
          });
          expect(res.status, `${r.method} ${r.path} → ${res.status} ${res.text.slice(0, 300)}`).toBeLessThan(500);
          if (res.status >= 400 && r.method !== 'HEAD')
            expect(JSON.parse(res.text).error.code).toEqual(expect.any(String));
        }
      }),
      { numRuns: 2000, seed: Number(process.env.FUZZ_SEED ?? Date.now() % 100000), endOnFailure: true },
    );
    expect(count).toBe(10_000);

    // No stuck run: every run the requests started ends (echo flows finish at once; cancelled counts as ended).
    const runs = await stack.sql<
      { run_id: string }[]
    >`SELECT run_id FROM runs WHERE flow_name = ANY(${startable}::text[])`;
    for (const { run_id } of runs)
      await stack.waitForRun(run_id, (r) => ['completed', 'failed', 'cancelled'].includes(r.status), 120_000);
    expect((await send({ method: 'GET', path: '/healthz', headers: {} })).status).toBe(200);
    console.log(
      `fuzz: ${count} requests, ${runs.length} runs started, statuses ${JSON.stringify(Object.fromEntries(statuses))}`,
    );
  }, 600_000);
});
