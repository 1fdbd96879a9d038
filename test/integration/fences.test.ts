import { spawn } from 'node:child_process';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../api/index.js';
import postgres from 'postgres';
import { connectClient, createSql, type Sql } from '../../infra/index.js';
import { logger, startStack, testEnv, uniqueName, type Stack } from '../helpers/stack.js';
import { readStream } from '../helpers/sse.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
let stack: Stack;
beforeAll(async () => {
  stack = await startStack({ name: 'fences', keepAliveMs: 200 });
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

const subflowTo = (name: string, target: string) => ({
  name,
  nodes: [{ id: 'child', type: 'subflow', params: { flow: target } }],
});

/** A raw request, so that Host, Origin and the body go out exactly as given. */
function raw(
  baseUrl: string,
  method: string,
  path: string,
  headers: Record<string, string>,
  body?: string,
): Promise<{ status: number; body: any }> {
  const url = new URL(baseUrl);
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      { host: url.hostname, port: url.port, method, path, headers, setHost: !('host' in headers) },
      (res: IncomingMessage) => {
        let text = '';
        res.on('data', (d) => (text += d));
        res.on('end', () => {
          let parsed: unknown = text;
          try {
            parsed = JSON.parse(text);
          } catch {
            /* not JSON */
          }
          resolve({ status: res.statusCode ?? 0, body: parsed });
        });
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

async function runsOf(flow: string): Promise<number> {
  const [{ n }] = await stack.sql<{ n: number }[]>`SELECT count(*)::int AS n FROM runs WHERE flow_name = ${flow}`;
  return n;
}

describe('cross-site and rebinding requests (no keys, loopback)', () => {
  it('415 for a text/plain webhook and a form POST to runs; no run starts', async () => {
    const name = await stack.createFlow(echoFlow(uniqueName('csrf')));
    const text = await stack.api('POST', `/api/v1/webhooks/${name}`, '{"a":1}', { 'content-type': 'text/plain' });
    expect(text).toMatchObject({ status: 415, body: { error: { code: 'unsupported_media_type' } } });
    expect(text.body.error.message).toContain('application/json');
    const form = await stack.api('POST', `/api/v1/flows/${name}/runs`, 'inputs=1', {
      'content-type': 'application/x-www-form-urlencoded',
    });
    expect(form.status).toBe(415);
    const none = await raw(stack.baseUrl, 'POST', `/api/v1/webhooks/${name}`, {}, 'x=1');
    expect(none.status).toBe(415);
    expect(await runsOf(name)).toBe(0);
    const json = await stack.api('POST', `/api/v1/webhooks/${name}`, { a: 1 });
    expect(json.status).toBe(202);
  });

  it("refuses a Host or an Origin that is not the server's own", async () => {
    const port = new URL(stack.baseUrl).port;
    const evilHost = await raw(stack.baseUrl, 'GET', '/api/v1/flows', { host: `evil.example:${port}` });
    expect(evilHost).toMatchObject({ status: 403, body: { error: { code: 'forbidden_host' } } });
    const evilOrigin = await raw(stack.baseUrl, 'GET', '/api/v1/flows', { origin: 'http://evil.example' });
    expect(evilOrigin).toMatchObject({ status: 403, body: { error: { code: 'forbidden_origin' } } });
    const nullOrigin = await raw(stack.baseUrl, 'GET', '/api/v1/flows', { origin: 'null' });
    expect(nullOrigin.status).toBe(403);
    for (const host of [`localhost:${port}`, `127.0.0.1:${port}`]) {
      const own = await raw(stack.baseUrl, 'GET', '/api/v1/flows', { host, origin: `http://${host}` });
      expect(own.status).toBe(200);
    }
  });

  it('refuses to start on a non-loopback address without keys, in one sentence', async () => {
    const result = await new Promise<{ code: number | null; stderr: string }>((resolve) => {
      const child = spawn(process.execPath, ['--import', 'tsx', 'api/main.ts'], {
        cwd: ROOT,
        env: { ...process.env, HOST: '0.0.0.0', API_KEYS: '', DATABASE_URL: 'postgres://u:p@127.0.0.1:1/none' },
        stdio: ['ignore', 'ignore', 'pipe'],
      });
      let stderr = '';
      child.stderr!.on('data', (d) => (stderr += d));
      child.once('exit', (code) => resolve({ code, stderr }));
    });
    expect(result.code).toBe(1);
    expect(result.stderr).toBe(
      'tempoflow: HOST=0.0.0.0 is not a loopback address and API_KEYS is not set; set API_KEYS (name:key,...) or listen on 127.0.0.1.\n',
    );
  });
});

describe('keys: rate limit before authentication, approvals signed by the key', () => {
  it('limits failed keys too, by client address, whatever key header is sent', async () => {
    const secured = await startStack({ name: 'limit', apiKeys: ['k1', 'k2'], worker: false, rateLimitPerMinute: 5 });
    try {
      const statuses = [];
      for (let i = 0; i < 7; i++)
        statuses.push(
          (await secured.api('GET', '/api/v1/flows', undefined, { authorization: `Bearer wrong-${i}` })).status,
        );
      expect(statuses.slice(0, 5)).toEqual([401, 401, 401, 401, 401]);
      expect(statuses.at(-1)).toBe(429);
    } finally {
      await secured.stop();
    }
    const rotating = await startStack({ name: 'limit2', apiKeys: ['k1', 'k2'], worker: false, rateLimitPerMinute: 4 });
    try {
      const statuses = [];
      for (let i = 0; i < 6; i++)
        statuses.push(
          (await rotating.api('GET', '/api/v1/flows', undefined, { authorization: `Bearer k${(i % 2) + 1}` })).status,
        );
      expect(statuses).toContain(429);
    } finally {
      await rotating.stop();
    }
  });

  it("takes an approval's `by` from the key's name and serves any Host when keys are set", async () => {
    const secured = await startStack({ name: 'byname', apiKeys: ['alice:alice-secret-key', 'plainkey'] });
    const auth = { authorization: 'Bearer alice-secret-key' };
    try {
      const name = uniqueName('gate');
      const created = await secured.api(
        'POST',
        '/api/v1/flows',
        {
          name,
          nodes: [
            { id: 'gate', type: 'approval', params: { timeout: '1m' } },
            { id: 'out', type: 'output', params: { value: '{{gate}}' } },
          ],
          edges: [{ source: 'gate', target: 'out' }],
        },
        auth,
      );
      expect(created.status).toBe(201);
      const start = async () => {
        const res = await secured.api('POST', `/api/v1/flows/${name}/runs`, {}, auth);
        expect(res.status).toBe(202);
        const runId = res.body.runId as string;
        for (;;) {
          const r = await secured.api('GET', `/api/v1/runs/${runId}`, undefined, auth);
          if (r.body.nodes?.gate?.status === 'waiting') return runId;
          await new Promise((resolve) => setTimeout(resolve, 100));
        }
      };
      const first = await start();
      const forged = await secured.api(
        'POST',
        `/api/v1/runs/${first}/approvals/gate`,
        { approved: true, by: 'mallory' },
        auth,
      );
      expect(forged.status).toBe(400);
      expect(forged.body.error.details).toEqual([{ path: '$.by', message: expect.stringContaining('alice') }]);
      const ok = await secured.api('POST', `/api/v1/runs/${first}/approvals/gate`, { approved: true }, auth);
      expect(ok.status).toBe(200);
      expect(ok.body).toMatchObject({ approved: true, by: 'alice' });
      const second = await start();
      const plain = await secured.api(
        'POST',
        `/api/v1/runs/${second}/approvals/gate`,
        { approved: false },
        { 'x-api-key': 'plainkey' },
      );
      expect(plain.body).toMatchObject({ approved: false, by: expect.stringMatching(/^key-[0-9a-f]{8}$/) });
      const port = new URL(secured.baseUrl).port;
      const proxied = await raw(secured.baseUrl, 'GET', '/api/v1/flows', {
        host: `flows.example.com:${port}`,
        ...auth,
      });
      expect(proxied.status).toBe(200);
    } finally {
      await secured.stop();
    }
  });
});

describe('flows that reach themselves', () => {
  it('refuses a flow that names itself, with the JSON path and the cycle', async () => {
    const name = uniqueName('selfref');
    const res = await stack.api('POST', '/api/v1/flows', subflowTo(name, name));
    expect(res.status).toBe(400);
    expect(res.body.error.details).toEqual([
      { path: '$.nodes[0].params.flow', message: expect.stringContaining(`${name} → ${name}`) },
    ]);
    const inline = await stack.api('POST', '/api/v1/flows', {
      name,
      nodes: [
        {
          id: 'each',
          type: 'loop',
          params: { items: [1], body: { nodes: [{ id: 'again', type: 'subflow', params: { flow: name } }] } },
        },
      ],
    });
    expect(inline.status).toBe(400);
    expect(inline.body.error.details[0].path).toBe('$.nodes[0].params.body.nodes[0].params.flow');
  });

  it('refuses a cycle through other flows at save (loop body by name, subflow)', async () => {
    const a = uniqueName('cyc-a');
    const b = uniqueName('cyc-b');
    await stack.createFlow(echoFlow(b));
    await stack.createFlow({
      name: a,
      nodes: [{ id: 'each', type: 'loop', params: { items: [1, 2], body: b } }],
    });
    const closing = await stack.api('PUT', `/api/v1/flows/${b}`, subflowTo(b, a));
    expect(closing.status).toBe(400);
    expect(closing.body.error.details).toEqual([
      { path: '$.nodes[0].params.flow', message: expect.stringContaining(`${b} → ${a} → ${b}`) },
    ]);
  });

  it('refuses at start a cycle stored before the check existed; no workflow starts', async () => {
    const a = uniqueName('old-a');
    const b = uniqueName('old-b');
    await stack.createFlow(echoFlow(b));
    await stack.createFlow(subflowTo(a, b));
    const [{ id }] = await stack.sql<{ id: string }[]>`SELECT id FROM flows WHERE name = ${b}`;
    await stack.sql`INSERT INTO flow_versions (flow_id, version, definition) VALUES (${id}, 2, ${stack.sql.json(subflowTo(b, a) as never)})`;
    const res = await stack.api('POST', `/api/v1/flows/${a}/runs`, {});
    expect(res.status).toBe(400);
    expect(res.body.error.message).toContain(`${a} → ${b} → ${a}`);
    expect(await runsOf(a)).toBe(0);
  });

  it('bounds nesting depth: flows by name and inline loop bodies', async () => {
    const names = Array.from({ length: 10 }, (_, i) => uniqueName(`deep${i}`));
    await stack.createFlow(echoFlow(names[0]));
    let refused: any;
    for (let i = 1; i < names.length; i++) {
      const res = await stack.api('POST', '/api/v1/flows', subflowTo(names[i], names[i - 1]));
      if (res.status !== 201) {
        refused = res;
        break;
      }
    }
    expect(refused?.status).toBe(400);
    expect(refused.body.error.message).toMatch(/nesting depth .* limit is 8/);
    let body: any = { nodes: [{ id: 'x', type: 'echo', params: { value: 1 } }] };
    for (let i = 0; i < 10; i++) body = { nodes: [{ id: `l${i}`, type: 'loop', params: { items: [1], body } }] };
    const inline = await stack.api('POST', '/api/v1/flows', { name: uniqueName('inline-deep'), ...body });
    expect(inline.status).toBe(400);
    expect(inline.body.error.message).toMatch(/nesting depth .* limit is 8/);
  });
});

describe('requests that used to answer 500 or block', () => {
  it('%00 in any path segment is a 400', async () => {
    const name = await stack.createFlow(echoFlow(uniqueName('nul')));
    const paths: [string, string][] = [
      ['GET', '/api/v1/flows/a%00b'],
      ['PUT', `/api/v1/flows/${name}%00`],
      ['DELETE', '/api/v1/flows/%00'],
      ['POST', '/api/v1/flows/%00/runs'],
      ['GET', '/api/v1/runs/abc%00'],
      ['GET', '/api/v1/runs/abc%00/events'],
      ['POST', '/api/v1/runs/abc%00/cancel'],
      ['POST', '/api/v1/runs/abc/approvals/x%00'],
      ['POST', '/api/v1/webhooks/%00'],
      ['GET', '/api/v1/runs?flow=%00'],
    ];
    for (const [method, path] of paths) {
      const res = await stack.api(method, path, method === 'GET' || method === 'DELETE' ? undefined : {});
      expect({ path, status: res.status }).toEqual({ path, status: 400 });
      expect(res.body.error.message).toContain('NUL');
    }
    // A definition is stored as jsonb, which cannot hold NUL: refused with its path.
    const inDefinition = await stack.api('POST', '/api/v1/flows', {
      ...echoFlow(uniqueName('nul')),
      description: 'a\u0000b',
    });
    expect(inDefinition.status).toBe(400);
    expect(inDefinition.body.error.details[0].path).toBe('$.description');
    // Run inputs may hold NUL: the run keeps the value as it came (see reliability.test.ts).
    const inInputs = await stack.api('POST', `/api/v1/flows/${name}/runs`, { inputs: { s: 'a\u0000b' } });
    expect(inInputs.status).toBe(202);
  });

  it('a flow version out of integer range is a 400', async () => {
    const name = await stack.createFlow(echoFlow(uniqueName('ver')));
    expect((await stack.api('GET', `/api/v1/flows/${name}?version=99999999999`)).status).toBe(400);
    expect((await stack.api('POST', `/api/v1/flows/${name}/runs`, { version: 99999999999 })).status).toBe(400);
    const sub = await stack.api('POST', '/api/v1/flows', {
      name: uniqueName('subver'),
      nodes: [{ id: 's', type: 'subflow', params: { flow: name, version: 99999999999 } }],
    });
    expect(sub.status).toBe(400);
    expect(sub.body.error.details[0].path).toBe('$.nodes[0].params.version');
  });

  it('params and inputs nested 3,000 deep are a 400 naming the limit', async () => {
    const name = await stack.createFlow(echoFlow(uniqueName('nest')));
    let deep: unknown = 1;
    for (let i = 0; i < 3000; i++) deep = { a: deep };
    const flow = await stack.api('POST', '/api/v1/flows', {
      name: uniqueName('nestflow'),
      nodes: [{ id: 'e', type: 'echo', params: { value: deep } }],
    });
    expect(flow.status).toBe(400);
    expect(flow.body.error.message).toMatch(/nested deeper than 64/);
    const run = await stack.api('POST', `/api/v1/flows/${name}/runs`, { inputs: { deep } });
    expect(run.status).toBe(400);
    expect(run.body.error.message).toMatch(/nested deeper than 64/);
    const hook = await stack.api('POST', `/api/v1/webhooks/${name}`, { deep });
    expect(hook.status).toBe(400);
    const key = await stack.api('POST', `/api/v1/webhooks/${name}`, { a: 1 }, { 'idempotency-key': 'k'.repeat(201) });
    expect(key.status).toBe(400);
    expect(key.body.error.message).toContain('Idempotency-Key');
    expect(await runsOf(name)).toBe(0);
  });

  it('GET /runs?flow= with quotes and backslashes never reaches Temporal as a broken query', async () => {
    for (const flow of ['a\\', "a'", 'a"', "x' OR WorkflowType != '"]) {
      const res = await stack.api('GET', `/api/v1/runs?flow=${encodeURIComponent(flow)}`);
      expect({ flow, status: res.status }).toEqual({ flow, status: 400 });
      expect(res.body.error.details[0].path).toBe('$.flow');
    }
  });

  it('?wait=abc is a 400 before the run starts', async () => {
    const name = await stack.createFlow(echoFlow(uniqueName('wait')));
    const res = await stack.api('POST', `/api/v1/flows/${name}/runs?wait=abc`, {});
    expect(res.status).toBe(400);
    expect(res.body.error.details[0].path).toBe('$.wait');
    expect((await stack.api('POST', `/api/v1/flows/${name}/runs?wait=1&bogus=1`, {})).status).toBe(400);
    expect(await runsOf(name)).toBe(0);
  });

  it('caps nodes, edges, nesting and size with 413 naming the limit; 1,000 nodes still validate', async () => {
    const many = (n: number) => ({
      name: uniqueName('huge'),
      nodes: Array.from({ length: n }, (_, i) => ({
        id: `n${i}`,
        type: 'echo',
        params: i ? { value: `{{n${i - 1}}}` } : { value: 1 },
      })),
      edges: Array.from({ length: n - 1 }, (_, i) => ({ source: `n${i}`, target: `n${i + 1}` })),
    });
    const huge = await stack.api('POST', '/api/v1/flows', many(8000));
    expect(huge.status).toBe(413);
    expect(huge.body.error).toMatchObject({ code: 'flow_too_large' });
    expect(huge.body.error.message).toContain('8000 nodes; the limit is 1000');
    const ok = await stack.api('POST', '/api/v1/flows', many(1000));
    expect(ok.status).toBe(201);
    const edges = await stack.api('POST', '/api/v1/flows', {
      name: uniqueName('edges'),
      nodes: [
        { id: 'a', type: 'input' },
        { id: 'b', type: 'output' },
      ],
      edges: Array.from({ length: 5001 }, () => ({ source: 'a', target: 'b' })),
    });
    expect(edges.status).toBe(413);
    expect(edges.body.error.message).toContain('the limit is 5000');
    const bytes = await stack.api('POST', '/api/v1/flows', {
      name: uniqueName('bytes'),
      nodes: [{ id: 'a', type: 'echo', params: { value: 'x'.repeat(600_000) } }],
    });
    expect(bytes.status).toBe(413);
    expect(bytes.body.error.message).toMatch(/the limit is 524288 bytes/);
  });
});

describe('unbounded resources', () => {
  it('/readyz names components and states, never raw error text', async () => {
    const env = testEnv();
    const { client, connection } = await connectClient(env.address, 'default');
    const sql = createSql(env.databaseUrl, { max: 2 });
    const app = await createApp({
      sql,
      client,
      logger,
      taskQueue: 'readyz',
      namespace: 'default',
      temporalUiUrl: 'http://localhost:8233',
      apiKeys: [],
    });
    const server = app.app.listen(0, '127.0.0.1');
    await new Promise((r) => server.once('listening', r));
    const base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
    try {
      expect(await (await fetch(`${base}/readyz`)).json()).toEqual({ postgres: 'ok', temporal: 'ok' });
      await connection.close();
      const down = await fetch(`${base}/readyz`);
      expect(down.status).toBe(503);
      expect(await down.json()).toEqual({ postgres: 'ok', temporal: 'unavailable' });
    } finally {
      server.close();
      server.closeAllConnections();
      await app.close();
      await sql.end({ timeout: 2 });
    }
  });

  it('caps open event streams per key (429) and in total (503)', async () => {
    const secured = await startStack({
      name: 'streams',
      apiKeys: ['a:key-a', 'b:key-b', 'c:key-c'],
      env: {},
    });
    const capped = await createApp({
      sql: secured.sql,
      client: secured.client,
      logger,
      taskQueue: secured.taskQueue,
      namespace: 'default',
      temporalUiUrl: 'http://localhost:8233',
      apiKeys: ['a:key-a', 'b:key-b', 'c:key-c'],
      maxStreams: 3,
      maxStreamsPerKey: 2,
    });
    const server = capped.app.listen(0, '127.0.0.1');
    await new Promise((r) => server.once('listening', r));
    const base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
    const aborts: AbortController[] = [];
    const open = async (key: string) => {
      const controller = new AbortController();
      aborts.push(controller);
      const res = await fetch(`${base}/api/v1/runs/${runId}/events`, {
        headers: { authorization: `Bearer ${key}` },
        signal: controller.signal,
      });
      if (res.status !== 200)
        return { status: res.status, retryAfter: res.headers.get('retry-after'), body: await res.json() };
      return { status: 200 };
    };
    let runId = '';
    try {
      const name = uniqueName('wait-long');
      const auth = { authorization: 'Bearer key-a' };
      await secured.api(
        'POST',
        '/api/v1/flows',
        { name, nodes: [{ id: 'gate', type: 'approval', params: { timeout: '1m' } }] },
        auth,
      );
      runId = (await secured.api('POST', `/api/v1/flows/${name}/runs`, {}, auth)).body.runId;
      expect((await open('key-a')).status).toBe(200);
      expect((await open('key-a')).status).toBe(200);
      const third = await open('key-a');
      expect(third).toMatchObject({ status: 429, retryAfter: '5', body: { error: { code: 'too_many_streams' } } });
      // Langflow's streaming /run shares the caps, and a refused stream starts no run.
      const runsOf = async () =>
        (await secured.api('GET', `/api/v1/runs?flow=${name}`, undefined, auth)).body.runs.length as number;
      const before = await runsOf();
      const lf = await fetch(`${base}/api/v1/run/${name}?stream=true`, {
        method: 'POST',
        headers: { 'x-api-key': 'key-a', 'content-type': 'application/json' },
        body: JSON.stringify({ input_value: 'hi' }),
      });
      expect(lf.status).toBe(429);
      expect(lf.headers.get('retry-after')).toBe('5');
      expect(lf.headers.get('x-tempoflow-run-id')).toBeNull();
      expect(((await lf.json()) as { error: { code: string } }).error.code).toBe('too_many_streams');
      expect(await runsOf()).toBe(before);
      expect((await open('key-b')).status).toBe(200);
      const total = await open('key-c');
      expect(total).toMatchObject({ status: 503, body: { error: { code: 'too_many_streams' } } });
      aborts[0].abort();
      for (let i = 0; ; i++) {
        const again = await open('key-c');
        if (again.status === 200) break;
        expect(i).toBeLessThan(100);
        await new Promise((r) => setTimeout(r, 50));
      }
      await secured.api('POST', `/api/v1/runs/${runId}/cancel`, undefined, auth);
    } finally {
      for (const a of aborts) a.abort();
      server.close();
      server.closeAllConnections();
      await capped.close();
      await secured.stop();
    }
  });

  it('a reconnect after the terminal event gets 204 (EventSource stops) instead of a stream that never ends', async () => {
    const name = await stack.createFlow(echoFlow(uniqueName('ended')));
    const run = await stack.run(name);
    const events = await readStream(stack.baseUrl, run.runId);
    const last = events.at(-1)!;
    expect(last.event).toBe('run.completed');
    const again = await fetch(`${stack.baseUrl}/api/v1/runs/${run.runId}/events`, {
      headers: { 'last-event-id': String(last.id) },
      signal: AbortSignal.timeout(10_000),
    });
    expect(again.status).toBe(204);
    expect(await readStream(stack.baseUrl, run.runId, { lastEventId: last.id - 1 })).toEqual([last]);
  });

  it('does not buffer for a client that does not read', async () => {
    // 30 MB of stored events, more than the kernel's socket buffers hold.
    const runId = `firehose${Date.now()}`;
    const [{ id: flowId }] = await stack.sql<{ id: string }[]>`SELECT gen_random_uuid() AS id`;
    await stack.sql`INSERT INTO runs (run_id, workflow_id, flow_id, flow_name, flow_version, status)
      VALUES (${runId}, ${`run-${runId}`}, ${flowId}, 'firehose', 1, 'running')`;
    await stack.sql`INSERT INTO run_event_heads (run_id, last_seq) VALUES (${runId}, 30000)`;
    await stack.sql`INSERT INTO run_events (run_id, seq, type, node_id, attempt, dedupe_key, data)
      SELECT ${runId}, g, 'node.progress', 'n', 1, g::text,
             jsonb_build_object('runId', ${runId}::text, 'type', 'node.progress', 'pad', repeat('x', 1000))
      FROM generate_series(1, 30000) g`;
    const url = new URL(stack.baseUrl);
    const slow = await new Promise<IncomingMessage>((resolve, reject) => {
      const req = httpRequest(
        { host: url.hostname, port: url.port, path: `/api/v1/runs/${runId}/events`, agent: false },
        resolve,
      );
      req.on('error', reject);
      req.end();
    });
    slow.pause();
    try {
      const stream = () => [...stack.app.streams].find((r) => r.req.url?.includes(runId));
      for (let i = 0; !stream()?.writableNeedDrain; i++) {
        expect(i).toBeLessThan(600);
        await new Promise((r) => setTimeout(r, 50));
      }
      await new Promise((r) => setTimeout(r, 1000));
      expect(stream()!.writableLength).toBeLessThan(200_000);
      // And once the client reads, the rest arrives: the stream resumes from its cursor.
      let last = 0;
      slow.setEncoding('utf8');
      await new Promise<void>((resolve) => {
        let buffered = '';
        slow.on('data', (chunk: string) => {
          buffered += chunk;
          const ids = [...buffered.matchAll(/^id: (\d+)$/gm)];
          if (ids.length) last = Number(ids.at(-1)![1]);
          buffered = buffered.slice(buffered.lastIndexOf('\n\n') + 2);
          if (last === 30000) resolve();
        });
        slow.resume();
      });
      expect(last).toBe(30000);
    } finally {
      slow.destroy();
    }
  });

  it('many viewers of one run share one event query per wake-up', async () => {
    const env = testEnv();
    let eventQueries = 0;
    const sql = postgres(env.databaseUrl, {
      max: 4,
      onnotice: () => {},
      types: { bigint: postgres.BigInt },
      transform: { undefined: null },
      debug: (_conn, query) => {
        if (/FROM run_events/.test(query) && !/GROUP BY/.test(query)) eventQueries++;
      },
    }) as unknown as Sql;
    const app = await createApp({
      sql,
      client: stack.client,
      logger,
      taskQueue: stack.taskQueue,
      namespace: 'default',
      temporalUiUrl: 'http://localhost:8233',
      apiKeys: [],
    });
    const server = app.app.listen(0, '127.0.0.1');
    await new Promise((r) => server.once('listening', r));
    const base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
    try {
      const name = uniqueName('shared');
      await stack.createFlow({
        name,
        nodes: Array.from({ length: 8 }, (_, i) => ({
          id: `s${i}`,
          type: 'echo',
          params: { value: i, durationMs: 300 * i },
        })),
      });
      const { runId } = await stack.start(name);
      const viewers = Array.from({ length: 30 }, () => readStream(base, runId));
      const results = await Promise.all(viewers);
      for (const events of results) {
        expect(events.at(-1)!.event).toBe('run.completed');
        expect(events.map((e) => e.id)).toEqual(results[0].map((e) => e.id));
      }
      // One query per viewer to catch up, then one per wake-up for all of them (not one per viewer).
      expect(eventQueries).toBeLessThan(30 + 3 * results[0].length);
    } finally {
      server.close();
      server.closeAllConnections();
      await app.close();
      await sql.end({ timeout: 2 });
    }
  });

  it('prunes events and blobs of runs older than the retention, on a schedule', async () => {
    const old = `old${Date.now()}`;
    const recent = `recent${Date.now()}`;
    const [{ id: flowId }] = await stack.sql<{ id: string }[]>`SELECT gen_random_uuid() AS id`;
    for (const [runId, age] of [
      [old, '40 days'],
      [recent, '1 day'],
    ] as const) {
      await stack.sql`INSERT INTO runs (run_id, workflow_id, flow_id, flow_name, flow_version, status, created_at, closed_at)
        VALUES (${runId}, ${`run-${runId}`}, ${flowId}, 'gone', 1, 'completed', now() - ${age}::interval, now() - ${age}::interval)`;
      await stack.sql`INSERT INTO run_event_heads (run_id, last_seq) VALUES (${runId}, 1)`;
      await stack.sql`INSERT INTO run_events (run_id, seq, type, dedupe_key, data, ts)
        VALUES (${runId}, 1, 'run.completed', 'x', '{}', now() - ${age}::interval)`;
      await stack.sql`INSERT INTO blobs (id, run_id, size, data, created_at) VALUES (${`${runId}-b`}, ${runId}, 2, '{}', now() - ${age}::interval)`;
      await stack.sql`INSERT INTO blobs (id, run_id, size, data, created_at) VALUES (${`${runId}-c`}, ${`${runId}.child`}, 2, '{}', now() - ${age}::interval)`;
    }
    const app = await createApp({
      sql: stack.sql,
      client: stack.client,
      logger,
      taskQueue: stack.taskQueue,
      namespace: 'default',
      temporalUiUrl: 'http://localhost:8233',
      apiKeys: [],
      retentionDays: 30,
      retentionIntervalMs: 100,
    });
    try {
      for (let i = 0; ; i++) {
        const [{ n }] = await stack.sql<{ n: number }[]>`
          SELECT (SELECT count(*) FROM run_events WHERE run_id = ${old})
               + (SELECT count(*) FROM blobs WHERE run_id IN (${old}, ${`${old}.child`}))
               + (SELECT count(*) FROM runs WHERE run_id = ${old}) AS n`;
        if (Number(n) === 0) break;
        expect(i).toBeLessThan(200);
        await new Promise((r) => setTimeout(r, 50));
      }
      const [{ n }] = await stack.sql<{ n: number }[]>`
        SELECT (SELECT count(*) FROM run_events WHERE run_id = ${recent})
             + (SELECT count(*) FROM blobs WHERE run_id IN (${recent}, ${`${recent}.child`})) AS n`;
      expect(Number(n)).toBe(3);
    } finally {
      await app.close();
    }
  });

  it('an idempotency key reused after Temporal forgot the run starts a clean run', async () => {
    const name = await stack.createFlow(echoFlow(uniqueName('expired')));
    const first = await stack.run(name, { inputs: { n: 1 }, idempotencyKey: 'order-7' });
    expect(first.outputs).toEqual({ out: { n: 1 } });
    const before = await readStream(stack.baseUrl, first.runId);
    const firstEnded = Date.parse(before.at(-1)!.data.ts);
    // What Temporal's retention does to a closed run: its execution is gone.
    await stack.client.workflowService.deleteWorkflowExecution({
      namespace: 'default',
      workflowExecution: { workflowId: first.workflowId },
    });
    for (let i = 0; ; i++) {
      const gone = await stack.client.workflow
        .getHandle(first.workflowId)
        .describe()
        .then(
          () => false,
          () => true,
        );
      if (gone) break;
      expect(i).toBeLessThan(900);
      await new Promise((r) => setTimeout(r, 100));
    }
    const again = await stack.run(name, { inputs: { n: 2 }, idempotencyKey: 'order-7' });
    expect(again.status).toBe('completed');
    expect(again.outputs).toEqual({ out: { n: 2 } });
    const events = await readStream(stack.baseUrl, again.runId);
    expect(events[0]).toMatchObject({ id: 1, event: 'run.started' });
    expect(Date.parse(events[0].data.ts)).toBeGreaterThan(firstEnded);
    expect(events.filter((e) => e.event === 'run.completed')).toHaveLength(1);
  });
});
